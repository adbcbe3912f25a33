using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded;

namespace Sluice.Server.Tests.Readiness;

/// <summary><c>/readyz</c> covers every store the API reads, and names the one that does not answer (never its error).</summary>
public sealed class StoresReadinessTests
{
    [Fact]
    public async Task EveryStoreAnswers_TheStoresCheckIsHealthy()
    {
        await using var host = await SluiceTestHost.StartAsync();

        var report = await ReadinessReport.GetAsync(host.Client);

        Assert.Equal(HttpStatusCode.OK, report.Code);
        Assert.Equal("healthy", report.Checks["stores"].Status);
    }

    [Fact]
    public async Task AStoreThatDoesNotAnswer_MakesTheProcessNotReady_NamingIt_WithoutItsError()
    {
        await using var host = await SluiceTestHost.StartAsync(
            services: services => services.AddSingleton<IChunkStore>(sp => new BrokenChunkStore(ActivatorUtilities.CreateInstance<SqliteChunkStore>(sp))));

        var report = await ReadinessReport.GetAsync(host.Client);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, report.Code);
        Assert.Equal("unhealthy", report.Checks["stores"].Status);
        Assert.Contains("chunk store", report.Checks["stores"].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("summary store", report.Checks["stores"].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", report.Body, StringComparison.Ordinal);
    }

    private sealed class BrokenChunkStore(IChunkStore inner) : IChunkStore
    {
        public Task ReplaceAsync(string documentId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default)
            => inner.ReplaceAsync(documentId, chunks, cancellationToken);

        public Task<IReadOnlyList<Chunk>> ListAsync(string documentId, int fromIndex, int limit, CancellationToken cancellationToken = default)
            => inner.ListAsync(documentId, fromIndex, limit, cancellationToken);

        public Task<int> CountAsync(string documentId, CancellationToken cancellationToken = default)
            => throw new InvalidOperationException("Could not open Password=hunter2;Data Source=/srv/chunks.db");

        public Task DeleteAsync(string documentId, CancellationToken cancellationToken = default) => inner.DeleteAsync(documentId, cancellationToken);
    }
}

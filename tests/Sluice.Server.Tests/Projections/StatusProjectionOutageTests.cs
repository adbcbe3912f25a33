using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Health;
using Sluice.Core.Ports;
using Sluice.Embedded;

namespace Sluice.Server.Tests.Projections;

/// <summary>The status projection loses nothing when its store fails for a while: it stalls, says so, and catches up.</summary>
public sealed class StatusProjectionOutageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Longer than the runtime used to keep trying (4 attempts, about 7 s of backoff) before it committed past the
    /// event; short enough for the suite.
    /// </summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(9);

    [Fact]
    public async Task AStatusStoreThatFailsForAWhile_StallsTheProjection_ReportsNotReady_AndEveryDocumentStillCompletes()
    {
        FailingStatusStore? store = null;
        await using var host = await SluiceTestHost.StartAsync(services: s =>
        {
            s.AddSingleton<IEmbedder, HashingEmbedder>();
            s.AddSingleton<IStatusStore>(sp => store = new FailingStatusStore(ActivatorUtilities.CreateInstance<SqliteStatusStore>(sp)));
        });
        var readiness = host.Services.GetRequiredService<ReadinessSignals>();
        _ = host.Services.GetRequiredService<IStatusStore>();
        Assert.NotNull(store);

        store.Failing = true;
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await host.AcceptAsync(Encoding.UTF8.GetBytes($"Document {i} arrives while the status store is failing."), $"outage-{i}.txt")).Id);
        }

        var problem = await WaitForAsync(() => readiness.Problems.FirstOrDefault(p => p.Component == "status-projection"));
        Assert.Contains("has not applied documents.status", problem.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("injected", problem.Reason, StringComparison.Ordinal);
        Assert.False(readiness.IsReady);
        var failedWhenSeen = store.Failed;

        await Task.Delay(Outage, Ct); // the outage itself: nothing to wait for but time
        Assert.All(await Task.WhenAll(ids.Select(host.GetAsync)), d => Assert.NotEqual("completed", d.Status));

        // A lane backs off 1 s, 2 s, 4 s...: even if every document hashed to one lane it tries 3 more times in the outage.
        var retried = store.Failed - failedWhenSeen;
        Assert.True(retried >= 2, $"the projection kept trying while the store failed (it tried {retried} more time(s))");
        store.Failing = false;

        foreach (var id in ids)
        {
            var done = await host.WaitForTerminalAsync(id, TimeSpan.FromSeconds(60));
            Assert.Equal("completed", done.Status);
        }

        await WaitForAsync(() => readiness.IsReady ? "ready" : null);
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true within a minute");
            await Task.Delay(50, Ct);
        }
    }
}

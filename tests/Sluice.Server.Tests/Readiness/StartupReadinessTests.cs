using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Health;
using Sluice.Core.Ports;
using Sluice.Embedded;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.Readiness;

/// <summary>What <c>/healthz</c>, <c>/readyz</c> and uploads answer while Sluice starts, and what makes it not ready later.</summary>
public sealed class StartupReadinessTests
{
    /// <summary>Checks that depend on the machine (free disk) are off unless a test is about them.</summary>
    private static readonly Dictionary<string, string?> NoDiskCheck = new() { ["Sluice:MinFreeDiskBytes"] = "0" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WhileTheTopicsAreNotProvisioned_ItListens_IsNotReady_RefusesUploads_AndNoStageConsumes_ThenItCatchesUp()
    {
        HeldEventLog? held = null;
        await using var host = await SluiceTestHost.StartAsync(
            NoDiskCheck,
            services => services.AddSingleton<IEventLog>(sp => held = new HeldEventLog(sp.GetRequiredService<SqliteEventLog>())),
            untilProvisioned: false).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        using (var health = await host.Client.GetAsync(new Uri("/healthz", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var starting = await ReadinessReport.GetAsync(host.Client);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, starting.Code);
        Assert.Equal("unhealthy", starting.Status);
        Assert.Equal("unhealthy", starting.Checks["topics"].Status);
        Assert.Contains("not provisioned yet", starting.Checks["topics"].Reason, StringComparison.Ordinal);
        Assert.Equal("healthy", starting.Checks["status-store"].Status);

        using (var refused = await host.UploadAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(5)), "early.txt", "text/plain"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        Assert.NotNull(held);
        Assert.Equal(0, held.Consumers);

        held.Release();
        await host.Services.GetRequiredService<TopicProvisioner>().Provisioned.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var ready = await ReadinessReport.GetAsync(host.Client);
        Assert.True(ready.Code == HttpStatusCode.OK, ready.Body);
        Assert.All(ready.Checks.Values, c => Assert.Equal("healthy", c.Status));

        var accepted = await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(20)), "later.txt");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(accepted.Id)).Status);
        Assert.True(held.Consumers > 0);
        Assert.Equal(0, held.ConsumersBeforeTopics);
    }

    [Fact]
    public async Task AProblemReportedToReadinessSignals_MakesItNotReady_WithTheReason_UntilCleared()
    {
        await using var host = await SluiceTestHost.StartAsync(NoDiskCheck);
        var signals = host.Services.GetRequiredService<ReadinessSignals>();
        Assert.Equal(HttpStatusCode.OK, (await ReadinessReport.GetAsync(host.Client)).Code);

        signals.Report("status-projection", "the status projection has not advanced for 5 minutes", DateTimeOffset.UtcNow);
        var stalled = await ReadinessReport.GetAsync(host.Client);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, stalled.Code);
        Assert.Equal("unhealthy", stalled.Checks["components"].Status);
        Assert.Contains("status-projection: the status projection has not advanced for 5 minutes", stalled.Checks["components"].Reason, StringComparison.Ordinal);
        Assert.Equal("healthy", stalled.Checks["topics"].Status);

        signals.Clear("status-projection");
        Assert.Equal(HttpStatusCode.OK, (await ReadinessReport.GetAsync(host.Client)).Code);
    }

    [Fact]
    public async Task LessFreeDiskThanMinFreeDiskBytes_MakesItNotReady_AndReportsBothFigures()
    {
        await using var host = await SluiceTestHost.StartAsync(new Dictionary<string, string?> { ["Sluice:MinFreeDiskBytes"] = long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var report = await ReadinessReport.GetAsync(host.Client);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, report.Code);
        var disk = report.Checks["disk"];
        Assert.Equal("unhealthy", disk.Status);
        Assert.Contains("Sluice:MinFreeDiskBytes", disk.Reason, StringComparison.Ordinal);
        Assert.Equal(long.MaxValue, disk.Data.GetProperty("minFreeBytes").GetInt64());
        var free = disk.Data.GetProperty("freeBytes").GetInt64();
        Assert.InRange(free, 1, long.MaxValue - 1);
        Assert.Equal("healthy", report.Checks["topics"].Status);
    }

    [Fact]
    public async Task EnoughFreeDisk_IsReported_AndReady()
    {
        await using var host = await SluiceTestHost.StartAsync(new Dictionary<string, string?> { ["Sluice:MinFreeDiskBytes"] = "1" });

        var report = await ReadinessReport.GetAsync(host.Client);

        Assert.True(report.Code == HttpStatusCode.OK, report.Body);
        Assert.Equal("healthy", report.Checks["disk"].Status);
        Assert.True(report.Checks["disk"].Data.GetProperty("freeBytes").GetInt64() >= 1);
    }
}

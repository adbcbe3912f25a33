using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;
using Sluice.Processing;
using Sluice.Server.Api;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.Readiness;

/// <summary>
/// A fresh API process warms up before <c>/readyz</c> reports it ready, so that no upload is sent to it cold; the
/// warm-up leaves no trace and never keeps the process unready for good.
/// </summary>
public sealed class StartupWarmupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Warmup(string? timeout = null)
    {
        var settings = new Dictionary<string, string?> { ["Sluice:MinFreeDiskBytes"] = "0", ["Sluice:Warmup:Enabled"] = "true" };
        if (timeout is not null)
        {
            settings["Sluice:Warmup:Timeout"] = timeout;
        }

        return settings;
    }

    [Fact]
    public async Task WhileItWarmsUp_ItIsNotReady_WithTheReason_AndReadyOnceDone()
    {
        var extractor = new HeldExtractor();
        await using var host = await SluiceTestHost.StartAsync(Warmup(), services => services.AddSingleton<IDocumentExtractor>(extractor));
        await extractor.Entered.WaitAsync(TimeSpan.FromSeconds(30), Ct); // the topics exist; the warm-up is extracting

        var warming = await ReadinessReport.GetAsync(host.Client);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, warming.Code);
        Assert.Equal("healthy", warming.Checks["topics"].Status);
        Assert.Equal("unhealthy", warming.Checks["components"].Status);
        Assert.Contains("warm-up: The process is warming up", warming.Checks["components"].Reason, StringComparison.Ordinal);

        extractor.Release();
        await host.Services.GetRequiredService<StartupWarmup>().Completed.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var ready = await ReadinessReport.GetAsync(host.Client);
        Assert.True(ready.Code == HttpStatusCode.OK, ready.Body);
    }

    [Fact]
    public async Task AWarmUpThatTakesTooLong_ReportsReadyAfterItsTimeout()
    {
        var extractor = new HeldExtractor(); // never released
        await using var host = await SluiceTestHost.StartAsync(Warmup(timeout: "00:00:01"), services => services.AddSingleton<IDocumentExtractor>(extractor));

        await host.Services.GetRequiredService<StartupWarmup>().Completed.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var ready = await ReadinessReport.GetAsync(host.Client);
        Assert.True(ready.Code == HttpStatusCode.OK, ready.Body);
    }

    [Fact]
    public async Task AFailingPartOfTheWarmUp_DoesNotKeepItUnready()
    {
        var extractor = new HeldExtractor(fail: true);
        extractor.Release();
        await using var host = await SluiceTestHost.StartAsync(Warmup(), services => services.AddSingleton<IDocumentExtractor>(extractor));

        await host.Services.GetRequiredService<StartupWarmup>().Completed.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.True(extractor.Entered.IsCompleted);
        var ready = await ReadinessReport.GetAsync(host.Client);
        Assert.True(ready.Code == HttpStatusCode.OK, ready.Body);
    }

    [Fact]
    public async Task TheWarmUp_StoresNothing_AndUploadsWorkAfterIt()
    {
        await using var host = await SluiceTestHost.StartAsync(Warmup());
        await host.Services.GetRequiredService<StartupWarmup>().Completed.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.Equal(HttpStatusCode.OK, (await ReadinessReport.GetAsync(host.Client)).Code);

        var page = await host.Client.GetFromJsonAsync<DocumentPage>(new Uri("/v1/documents", UriKind.Relative), Ct);
        Assert.Empty(page!.Items);
        var counts = await host.Services.GetRequiredService<IStatusStore>().CountAsync(Ct);
        Assert.All(counts.Documents.Values, n => Assert.Equal(0, n));
        var blobs = host.Services.GetRequiredService<IBlobStore>();
        await using (var staged = await blobs.StageAsync(new MemoryStream(StartupWarmup.Sample), "text/plain", cancellationToken: Ct))
        {
            Assert.False(await blobs.ExistsAsync(staged.Reference, Ct));
        }

        var accepted = await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(20)), "after-warm-up.txt");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(accepted.Id)).Status);
    }

    /// <summary>An extractor that holds the warm-up (or fails it) until released.</summary>
    private sealed class HeldExtractor(bool fail = false) : IDocumentExtractor
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public void Release() => _released.TrySetResult();

        public async Task<ExtractedText> ExtractAsync(Stream content, string format, CancellationToken cancellationToken = default)
        {
            _entered.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
            return fail ? throw new ExtractionException("the warm-up's extractor fails") : new ExtractedText("Warm-up.", null);
        }
    }
}

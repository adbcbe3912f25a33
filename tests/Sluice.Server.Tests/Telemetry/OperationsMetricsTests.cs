using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sluice.Core.Stages;
using Sluice.Server.Telemetry;

namespace Sluice.Server.Tests.Telemetry;

/// <summary>
/// The pipeline's gauges (meter <c>Sluice.Operations</c>) on <c>/metrics</c>, <c>/v1/pipeline</c>, and a worker's own
/// listener: what a known run leaves, and lag that rises while a stage is stopped and drains once it runs again.
/// </summary>
[Collection(nameof(ScrapedMetricsCollection))]
public class OperationsMetricsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Fast(Dictionary<string, string?>? extra = null) => new(extra ?? [])
    {
        ["Sluice:Telemetry:LagInterval"] = "00:00:00.2",
    };

    [Fact]
    public async Task AKnownRun_LeavesDocumentsByState_DeadLettersParked_AndNoLag()
    {
        await using var host = await SluiceTestHost.StartAsync(Fast());
        var good = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            good.Add((await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(8, $"topic {i}")), $"good-{i}.txt")).Id);
        }

        var docx = TestDocuments.Docx("A paragraph that will never be read.");
        var broken = await host.AcceptAsync(docx[..(docx.Length / 2)], "cut.docx");
        foreach (var id in good)
        {
            Assert.Equal("completed", (await host.WaitForTerminalAsync(id)).Status);
        }

        Assert.Equal("dead_lettered", (await host.WaitForTerminalAsync(broken.Id)).Status);

        // Every group commits shortly after its last record, and the dead-letter view follows its topic.
        var sampler = host.Services.GetRequiredService<PipelineSampler>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Patience);
        await sampler.WaitForAsync(
            s => s.Stages.All(st => st.Lag == 0) && s.Find(StageNames.Extract)?.DeadLetters == 1 && s.Counts?.Of(Core.Ports.DocumentState.Completed) == 3,
            timeout.Token);

        var body = await ScrapeUntilAsync(host.Client, b => PrometheusText.Values(b, "sluice_documents", ("sluice_document_state", "completed")).SequenceEqual([3.0]));
        Assert.Equal([3.0], PrometheusText.Values(body, "sluice_documents", ("sluice_document_state", "completed")));
        Assert.Equal([1.0], PrometheusText.Values(body, "sluice_documents", ("sluice_document_state", "dead_lettered")));
        Assert.Equal([0.0], PrometheusText.Values(body, "sluice_documents", ("sluice_document_state", "processing")));
        Assert.Equal([1.0], PrometheusText.Values(body, "sluice_dead_letters_parked", ("sluice_stage", StageNames.Extract)));
        Assert.Equal([0.0], PrometheusText.Values(body, "sluice_dead_letters_parked", ("sluice_stage", StageNames.Embed)));
        Assert.Equal([0.0], PrometheusText.Values(body, "sluice_retry_waiting", ("sluice_stage", StageNames.Embed), ("sluice_retry_tier", "1m")));
        foreach (var stage in StageCatalog.All)
        {
            var lags = PrometheusText.Values(body, "sluice_consumer_lag", ("messaging_consumer_group_name", stage.Name));
            Assert.NotEmpty(lags);
            Assert.All(lags, lag => Assert.Equal(0, lag));
            Assert.Equal([0.0], PrometheusText.Values(body, "sluice_consumer_oldest_age_seconds", ("messaging_consumer_group_name", stage.Name)));
        }

        Assert.Contains("# TYPE sluice_consumer_lag gauge", body, StringComparison.Ordinal);

        // The same sample as JSON, for an administrator.
        using var pipeline = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("/v1/pipeline", UriKind.Relative), Ct));
        var root = pipeline.RootElement;
        Assert.Equal(0.2, root.GetProperty("intervalSeconds").GetDouble());
        Assert.Equal(3, root.GetProperty("documents").GetProperty("completed").GetInt64());
        Assert.Equal(1, root.GetProperty("documents").GetProperty("deadLettered").GetInt64());
        Assert.Equal(0, root.GetProperty("inProgress").GetArrayLength());
        var stages = root.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(StageCatalog.Names, stages.Select(s => s.GetProperty("stage").GetString()));
        foreach (var stage in stages)
        {
            // Terminal views read these as numbers: never null, whatever the stage (the status projection has no dead letters).
            Assert.All(
                new[] { "lag", "oldestAgeSeconds", "throughputPerSecond", "running", "deadLetters" },
                name => Assert.Equal(JsonValueKind.Number, stage.GetProperty(name).ValueKind));
        }

        var extract = stages[0];
        Assert.Equal(1, extract.GetProperty("deadLetters").GetInt64());
        Assert.Equal(0, extract.GetProperty("lag").GetInt64());
        Assert.Equal(0, extract.GetProperty("running").GetInt64());
        Assert.Equal(["10s", "1m", "10m"], extract.GetProperty("retryWaiting").EnumerateObject().Select(p => p.Name));
        var written = extract.GetProperty("partitions").EnumerateArray().Where(p => p.GetProperty("end").GetInt64() > 0).ToList();
        Assert.Equal(4, written.Sum(p => p.GetProperty("end").GetInt64())); // four documents submitted
        Assert.All(written, p => Assert.Equal(p.GetProperty("end").GetInt64(), p.GetProperty("committed").GetInt64()));
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task Lag_RisesWhileAStageIsStopped_AndDrainsOnceAWorkerRunsIt(string log)
    {
        var withoutIndex = string.Join(',', StageCatalog.Names.Where(n => n != StageNames.Index));
        await using var host = await SluiceTestHost.StartOnAsync(log, Fast(new() { ["Sluice:Stages"] = withoutIndex }));
        var sampler = host.Services.GetRequiredService<PipelineSampler>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Patience);

        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(6, "lighthouses")), "waiting.txt");
        await sampler.WaitForAsync(s => s.Find(StageNames.Index)?.Lag > 0 && s.Find(StageNames.Index)?.OldestUnreadAt is not null, timeout.Token);

        var stopped = await ScrapeUntilAsync(
            host.Client, b => PrometheusText.Values(b, "sluice_consumer_lag", ("messaging_consumer_group_name", StageNames.Index)).Sum() > 0);
        Assert.True(
            PrometheusText.Values(stopped, "sluice_consumer_lag", ("messaging_consumer_group_name", StageNames.Index)).Sum() > 0,
            "the index group's lag while no index stage runs");
        Assert.True(PrometheusText.Values(stopped, "sluice_consumer_oldest_age_seconds", ("messaging_consumer_group_name", StageNames.Index)).Single() > 0);
        var waiting = await host.GetAsync(document.Id);
        Assert.Equal("processing", waiting.Status);
        Assert.Null(waiting.EstimatedCompletionAt); // index has a backlog and no throughput: no estimate rather than a wrong one
        using (var pipeline = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("/v1/pipeline", UriKind.Relative), Ct)))
        {
            var index = pipeline.RootElement.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == StageNames.Index);
            Assert.True(index.GetProperty("lag").GetInt64() > 0);
            Assert.True(index.GetProperty("oldestAgeSeconds").GetDouble() > 0);
            var row = Assert.Single(pipeline.RootElement.GetProperty("inProgress").EnumerateArray());
            Assert.Equal((document.Id, "default", "processing", StageNames.Index), (
                row.GetProperty("id").GetString(), row.GetProperty("tenant").GetString(), row.GetProperty("state").GetString(),
                row.GetProperty("stage").GetString()));
            Assert.Equal(JsonValueKind.Null, row.GetProperty("estimatedCompletionAt").ValueKind);
        }

        // A worker runs the index stage (with its own listener), and the backlog drains.
        using var worker = SluiceApp.BuildWorker([], WorkerSettings(host, StageNames.Index));
        await worker.StartAsync(Ct);
        try
        {
            Assert.Equal("completed", (await host.WaitForTerminalAsync(document.Id, Patience)).Status);
            await sampler.WaitForAsync(s => s.Find(StageNames.Index)?.Lag == 0, timeout.Token);
            // A sample that could not read a group leaves its series out (an empty sum is 0 too): wait for one that has them.
            var drained = await ScrapeUntilAsync(
                host.Client, b => PrometheusText.Values(b, "sluice_consumer_lag", ("messaging_consumer_group_name", StageNames.Index)) is { Count: > 0 } lags
                    && lags.All(lag => lag == 0)
                    && PrometheusText.Values(b, "sluice_consumer_oldest_age_seconds", ("messaging_consumer_group_name", StageNames.Index)).Count == 1);
            Assert.All(PrometheusText.Values(drained, "sluice_consumer_lag", ("messaging_consumer_group_name", StageNames.Index)), lag => Assert.Equal(0, lag));
            Assert.Equal([0.0], PrometheusText.Values(drained, "sluice_consumer_oldest_age_seconds", ("messaging_consumer_group_name", StageNames.Index)));

            using var client = new HttpClient { BaseAddress = ListeningAt(worker) };
            var workerMetrics = await ScrapeUntilAsync(
                client, b => PrometheusText.Values(b, "sluice_stage_records_total", ("sluice_stage", StageNames.Index), ("outcome", "succeeded")).Sum() >= 1);
            Assert.True(
                PrometheusText.Values(workerMetrics, "sluice_stage_records_total", ("sluice_stage", StageNames.Index), ("outcome", "succeeded")).Sum() >= 1,
                "the worker counts the records its index stage handled");
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AWorkerWithUrls_ServesMetricsAndHealthOnly()
    {
        await using var host = await SluiceTestHost.StartAsync(Fast(new() { ["Sluice:Stages"] = StageNames.StatusProjection }));
        using var worker = SluiceApp.BuildWorker([], WorkerSettings(host, StageNames.Extract));
        await worker.StartAsync(Ct);
        try
        {
            using var client = new HttpClient { BaseAddress = ListeningAt(worker) };
            using (var live = await client.GetAsync(new Uri("/healthz", UriKind.Relative), Ct))
            {
                Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            }

            var ready = await WaitForStatusAsync(client, "/readyz", HttpStatusCode.OK);
            Assert.Equal(
                ["components", "disk", "status-store", "stores", "topics"],
                ready.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Order());

            Assert.Contains("# TYPE", await ScrapeAsync(client), StringComparison.Ordinal);
            foreach (var route in new[] { "/v1/documents", "/v1/pipeline", "/openapi/v1.json" })
            {
                using var api = await client.GetAsync(new Uri(route, UriKind.Relative), Ct);
                Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
            }
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void AWorkerWithoutUrls_HasNoListener()
    {
        Assert.SkipWhen(
            Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is not null || Environment.GetEnvironmentVariable("Sluice__Worker__Urls") is not null,
            "this environment gives workers listen addresses");
        var settings = new Dictionary<string, string?>
        {
            ["Sluice:DataDirectory"] = Path.Combine(Path.GetTempPath(), "sluice-tests", Guid.NewGuid().ToString("N")),
            ["Sluice:Stages"] = StageNames.Extract,
        };
        Assert.Null(SluiceApp.WorkerUrls(settings));
        using var worker = SluiceApp.BuildWorker([], settings);

        Assert.Null(worker.Services.GetService<IServer>());
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("01:00:00")]
    public async Task ALagIntervalOutOfRange_StopsTheStart_NamingTheSetting(string interval)
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => SluiceTestHost.StartAsync(new Dictionary<string, string?> { ["Sluice:Telemetry:LagInterval"] = interval }));
        Assert.Contains("Sluice:Telemetry:LagInterval", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A worker of <paramref name="stage"/> on the host's event log and data, listening on a free loopback port.</summary>
    private static Dictionary<string, string?> WorkerSettings(SluiceTestHost host, string stage)
    {
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        var settings = new Dictionary<string, string?>
        {
            ["Sluice:Stages"] = stage,
            ["Sluice:Worker:Urls"] = "http://127.0.0.1:0",
        };
        foreach (var key in new[]
                 {
                     "Sluice:DataDirectory", "Sluice:StageParallelism", "Sluice:Transport", "Sluice:Partitions",
                     "Sluice:Kafka:BootstrapServers", "Sluice:Kafka:SessionTimeout",
                 })
        {
            if (configuration[key] is { } value)
            {
                settings[key] = value;
            }
        }

        return settings;
    }

    private static Uri ListeningAt(IHost worker)
        => new(worker.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    /// <summary>
    /// Scrapes until the page shows what the sample already holds: the exporter serves a cached page for a moment
    /// (cheap scrapes), so the first page after a sample may predate it.
    /// </summary>
    private static async Task<string> ScrapeUntilAsync(HttpClient client, Func<string, bool> shows)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var body = await ScrapeAsync(client);
            if (shows(body) || DateTime.UtcNow > deadline)
            {
                return body;
            }

            await Task.Delay(100, Ct);
        }
    }

    private static async Task<string> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    /// <summary>Polls <paramref name="path"/> until it answers <paramref name="status"/> (readiness follows provisioning).</summary>
    private static async Task<JsonDocument> WaitForStatusAsync(HttpClient client, string path, HttpStatusCode status)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative), Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode == status)
            {
                return JsonDocument.Parse(body);
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path} still answers {(int)response.StatusCode}: {body}");
            await Task.Delay(100, Ct);
        }
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Sluice.Cli.Client;
using Sluice.Kafka;
using Sluice.Processing;
using Sluice.Server;
using Sluice.Server.Api;
using Sluice.Server.Dev;
using Sluice.Server.Hosting;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench burst --target sluice|sync</c>: N clients upload M small documents as fast as they can, with the
/// same slow, flaky LLM (the fake provider, in process) behind either target:
/// <list type="bullet">
/// <item><c>sync</c>: the "demo" design built only for this comparison: one endpoint that extracts, chunks, embeds and
/// asks the LLM for a summary inside the request, with a server timeout.</item>
/// <item><c>sluice</c>: the real thing (API and every stage in process, LLM summaries), on the embedded log or Kafka.</item>
/// </list>
/// One target per run, so each run's peak memory is its own. <c>--telemetry both</c> runs Sluice with telemetry off,
/// then fully on (see <see cref="BenchTelemetry"/>), and prints both rows and their ratio.
/// </summary>
internal static class BurstBench
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "sluice or sync", Required = true };
        target.AcceptOnlyFromAmong("sluice", "sync");
        var clients = new Option<int>("--clients") { Description = "Concurrent clients (default 200)", DefaultValueFactory = _ => 200 };
        var documents = new Option<int>("--documents") { Description = "Documents to upload (default 2000)", DefaultValueFactory = _ => 2000 };
        var latency = new Option<double>("--llm-latency") { Description = "LLM base latency, seconds (default 2)", DefaultValueFactory = _ => 2 };
        var spikeRate = new Option<double>("--spike-rate") { Description = "Share of LLM answers that spike (default 0.1)", DefaultValueFactory = _ => 0.1 };
        var spike = new Option<double>("--spike") { Description = "Spike latency, seconds (default 15)", DefaultValueFactory = _ => 15 };
        var rate429 = new Option<double>("--rate-429") { Description = "Share of LLM requests answered 429 (default 0.1)", DefaultValueFactory = _ => 0.1 };
        var llmConcurrency = new Option<int>("--llm-concurrency") { Description = "Sluice's concurrent LLM calls (default 32)", DefaultValueFactory = _ => 32 };
        var syncTimeout = new Option<double>("--sync-timeout") { Description = "The sync endpoint's request timeout, seconds (default 30)", DefaultValueFactory = _ => 30 };
        var warmup = new Option<int>("--warmup") { Description = "Uploads per warm-up round before the measured burst; rounds repeat until the JIT settles (default 200, 0 for none)", DefaultValueFactory = _ => 200 };
        var transport = new Option<string>("--transport") { Description = "Sluice's event log: embedded (default) or kafka (mock cluster)", DefaultValueFactory = _ => "embedded" };
        transport.AcceptOnlyFromAmong("embedded", "kafka");
        var telemetry = BenchTelemetry.CreateOption("off");
        var command = new Command("burst", "A burst of uploads against Sluice or a synchronous wrapper, with the same slow, flaky LLM behind both")
        {
            target, clients, documents, latency, spikeRate, spike, rate429, llmConcurrency, syncTimeout, warmup, transport, telemetry,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var fakeOptions = new FakeLlmOptions
            {
                Latency = TimeSpan.FromSeconds(result.GetValue(latency)),
                SpikeRate = result.GetValue(spikeRate),
                SpikeDuration = TimeSpan.FromSeconds(result.GetValue(spike)),
                Rate429 = result.GetValue(rate429),
                RetryAfterSeconds = 2,
                Seed = 42,
            };
            if (result.GetValue(target) == "sync")
            {
                if (result.GetValue(telemetry) != "off")
                {
                    throw new CliException("--telemetry applies to --target sluice only", 2);
                }

                await using var fake = new FakeLlmServer();
                var endpoint = await fake.StartAsync(fakeOptions, cancellationToken);
                var run = new Run(result.GetValue(clients), result.GetValue(documents), result.GetValue(warmup));
                Describe(run, "sync", fakeOptions);
                return await SyncAsync(run, endpoint, TimeSpan.FromSeconds(result.GetValue(syncTimeout)), cancellationToken);
            }

            // One variant after the other, each with a fresh LLM (same seed), data directory and cluster.
            var exit = 0;
            var rows = new List<(string, IReadOnlyList<(string, double)>)>();
            foreach (var on in BenchTelemetry.Variants(result.GetValue(telemetry)!))
            {
                await using var fake = new FakeLlmServer();
                var endpoint = await fake.StartAsync(fakeOptions, cancellationToken);
                await using var variant = await BenchTelemetry.StartAsync(on, cancellationToken);
                var run = new Run(result.GetValue(clients), result.GetValue(documents), result.GetValue(warmup));
                Describe(run, "sluice, telemetry " + variant.Label, fakeOptions);
                var (code, figures) = await SluiceAsync(run, endpoint, result.GetValue(llmConcurrency), result.GetValue(transport)!, variant, cancellationToken);
                exit = Math.Max(exit, code);
                rows.Add((variant.Label, figures));
            }

            BenchTelemetry.PrintComparison(rows);
            return exit;
        });
        return command;
    }

    private static void Describe(Run run, string target, FakeLlmOptions llm)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"target {target}: {run.Clients} clients, {run.Documents} documents; LLM {llm.Latency.TotalSeconds:0.#} s, {llm.SpikeRate:P0} spikes of {llm.SpikeDuration.TotalSeconds:0} s, {llm.Rate429:P0} 429s"));

    private static async Task<(int Exit, IReadOnlyList<(string, double)> Figures)> SluiceAsync(
        Run run, Uri llm, int llmConcurrency, string transport, BenchTelemetry telemetry, CancellationToken cancellationToken)
    {
        var data = Path.Combine(Path.GetTempPath(), "sluice-burst-" + Guid.NewGuid().ToString("N"));
        using var cluster = transport == "kafka" ? KafkaMockCluster.Start(brokers: 3) : null;
        var settings = new Dictionary<string, string?>(telemetry.Settings)
        {
            ["Sluice:DataDirectory"] = data,
            ["Sluice:Transport"] = transport,
            ["Sluice:Summarizer"] = "llm",
            ["Sluice:Llm:Endpoint"] = llm.ToString(),
            ["Sluice:Llm:Model"] = "fake-chat",
            ["Sluice:Llm:MaxConcurrency"] = llmConcurrency.ToString(CultureInfo.InvariantCulture),
            ["Sluice:Llm:RequestsPerSecond"] = "1000",
        };
        if (cluster is not null)
        {
            foreach (var spec in TopicProvisioner.Specs(6))
            {
                cluster.CreateTopic(spec.Name, spec.Partitions, replicationFactor: 3);
            }

            settings["Sluice:Kafka:BootstrapServers"] = cluster.BootstrapServers;
        }

        var builder = SluiceApp.CreateBuilder([], settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        await using var app = builder.Build();
        app.MapSluice();
        await app.StartAsync(cancellationToken);
        await app.Services.GetRequiredService<TopicProvisioner>().Provisioned.WaitAsync(cancellationToken); // uploads are refused until then
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First() + "/"), Timeout = TimeSpan.FromSeconds(60) };
        telemetry.StartScraping(http);

        var sinceFirstUpload = Stopwatch.StartNew();
        var warm = await run.WarmUpAsync(http, "v1/documents?filename=burst-{0}.txt", HttpStatusCode.Accepted, cancellationToken);
        var accepted = await run.UploadAsync(http, "v1/documents?filename=burst-{0}.txt", HttpStatusCode.Accepted, cancellationToken);
        var acceptedSeconds = run.Clock.Elapsed.TotalSeconds;
        run.Print(accepted, "accepted");

        // Follow every accepted document, warm-up included, to a terminal state.
        var tracked = accepted.Concat(warm).ToHashSet(StringComparer.Ordinal);
        var terminal = new Dictionary<string, string>(StringComparer.Ordinal);
        var deadline = Stopwatch.StartNew();
        while (terminal.Count < tracked.Count && deadline.Elapsed < TimeSpan.FromHours(1))
        {
            await Task.Delay(1000, cancellationToken);
            string? cursor = null;
            do
            {
                var page = await http.GetFromJsonAsync<DocumentPage>(
                    new Uri($"v1/documents?limit=500{(cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor))}", UriKind.Relative), cancellationToken);
                foreach (var d in page!.Items.Where(d => d.IsTerminal()))
                {
                    terminal[d.Id] = d.Status;
                }

                cursor = page.Next;
            }
            while (cursor is not null);
        }

        var lost = tracked.Count(id => !terminal.ContainsKey(id));
        var processedPerSecond = terminal.Count / sinceFirstUpload.Elapsed.TotalSeconds; // warm-ups differ: a rate, not a time
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"terminal: {terminal.Values.Count(s => s == "completed")} completed, {terminal.Values.Count(s => s == "dead_lettered")} dead-lettered, {terminal.Values.Count(s => s == "failed")} failed (of {tracked.Count}, warm-up included); lost {lost}; all terminal {run.Clock.Elapsed.TotalSeconds:F0} s after the first upload (uploads took {acceptedSeconds:F1} s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):F0} MiB"));
        await telemetry.StopScrapingAsync();
        telemetry.PrintTotals();
        await app.StopAsync(CancellationToken.None);
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }

        var figures = run.Figures(accepted.Count).Append(("processed/s", processedPerSecond)).ToList();
        return (lost > 0 ? 1 : 0, figures);
    }

    private static async Task<int> SyncAsync(Run run, Uri llm, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var extractor = new DocumentExtractor(new ExtractionOptions());
        var chunker = new TextChunker(new ChunkerOptions());
        using var embedder = new OnnxMiniLmEmbedder();
        var llmOptions = new LlmOptions { Endpoint = llm, Model = "fake-chat", Timeout = timeout, MaxConcurrency = 1024, RequestsPerSecond = 100_000, CircuitMinimumThroughput = 100_000 };
        using var guard = new ProviderGuard("llm", llmOptions.ToGuardOptions());
        var summarizer = new LlmSummarizer(LlmSummarizer.CreateChatClient(llmOptions), llmOptions, guard);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        await using var app = builder.Build();
        app.MapPost("/sync", async (HttpRequest request, CancellationToken aborted) =>
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            budget.CancelAfter(timeout);
            try
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body, budget.Token);
                body.Position = 0;
                var text = await extractor.ExtractAsync(body, DocumentFormats.Text, budget.Token);
                var chunks = chunker.Split(text.Text, text.Pages, budget.Token);
                await embedder.EmbedAsync([.. chunks.Select(c => c.Text)], budget.Token);
                var summary = await summarizer.SummarizeAsync(text.Text, budget.Token);
                return Results.Ok(new { summary });
            }
            catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
            {
                return Results.Problem(statusCode: 504, title: "Timed out", detail: $"The document was not processed within {timeout.TotalSeconds:0} s.");
            }
            catch (Sluice.Core.Ports.ProviderException ex)
            {
                return Results.Problem(statusCode: 502, title: "The LLM failed", detail: ex.Message);
            }
        });
        await app.StartAsync(cancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First() + "/"), Timeout = TimeSpan.FromSeconds(120) };
        await run.WarmUpAsync(http, "sync?n={0}", HttpStatusCode.OK, cancellationToken);
        var done = await run.UploadAsync(http, "sync?n={0}", HttpStatusCode.OK, cancellationToken);
        run.Print(done, "processed (200)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"lost: {run.Documents - done.Count} uploads were never processed (the client got an error or a timeout and must retry)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):F0} MiB"));
        await app.StopAsync(CancellationToken.None);
        return 0;
    }

    /// <summary>The upload side, the same for both targets.</summary>
    private sealed class Run(int clients, int documents, int warmup)
    {
        /// <summary>Warm-up rounds at most, about 40 s: the pipeline's code warms up beside the API's.</summary>
        private const int MaxWarmupRounds = 60;

        private BurstOutcome? _burst;
        private TimeSpan _cpu;

        public int Clients => clients;

        public int Documents => documents;

        public int Warmup => warmup;

        public Stopwatch Clock { get; } = new();

        /// <summary>Uploads every document; returns the ids (or numbers) of those answered with <paramref name="success"/>.</summary>
        public async Task<List<string>> UploadAsync(HttpClient http, string pathFormat, HttpStatusCode success, CancellationToken cancellationToken)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            Clock.Start();
            _burst = await UploadBurst.RunAsync(http, pathFormat, success, "Burst", 0, documents, clients, cancellationToken);
            _cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            return [.. _burst.Succeeded];
        }

        /// <summary>
        /// Warms the server up before the measured burst, as a server in service is warm: every client opens its
        /// connection, and rounds of uploads run until the JIT has settled (a round compiles under 1% more methods).
        /// Until then tiered recompilation of the API's and the pipeline's hot code takes a good part of a core, for
        /// some 10–15 s after the first upload on two cores. These documents are not in the latency figures.
        /// </summary>
        public async Task<List<string>> WarmUpAsync(HttpClient http, string pathFormat, HttpStatusCode success, CancellationToken cancellationToken)
        {
            var ok = new List<string>();
            if (warmup <= 0)
            {
                Console.WriteLine("warm-up: none (a cold server: the JIT compiles during the burst)");
                return ok;
            }

            var clock = Stopwatch.StartNew();
            var rounds = 0;
            long compiled;
            do
            {
                compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
                var round = await UploadBurst.RunAsync(http, pathFormat, success, "Warm-up", documents + (rounds * warmup), warmup, clients, cancellationToken);
                ok.AddRange(round.Succeeded);
                rounds++;
                await Task.Delay(500, cancellationToken); // background tier-up runs shortly after the calls
            }
            while (rounds < MaxWarmupRounds && System.Runtime.JitInfo.GetCompiledMethodCount() - compiled > compiled / 100);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warm-up: {ok.Count}/{rounds * warmup} uploads in {rounds} rounds, {clock.Elapsed.TotalSeconds:F1} s, {(rounds < MaxWarmupRounds ? "until the JIT settled" : "the JIT still compiling")}: {System.Runtime.JitInfo.GetCompiledMethodCount():N0} methods compiled in {System.Runtime.JitInfo.GetCompilationTime().TotalSeconds:F1} s (not in the figures below)"));
            return ok;
        }

        /// <summary>The burst's figures for a comparison row: uploads/s, latency percentiles, CPU per upload.</summary>
        public IEnumerable<(string, double)> Figures(int succeeded)
        {
            var burst = _burst!;
            yield return ("uploads/s", succeeded / burst.Elapsed.TotalSeconds);
            yield return ("p50 ms", burst.P50);
            yield return ("p99 ms", burst.P99);
            yield return ("cpu ms/upload", _cpu.TotalMilliseconds / documents);
        }

        public void Print(List<string> succeeded, string what)
        {
            var burst = _burst!;
            var seconds = burst.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {succeeded.Count}/{documents} in {seconds:F1} s = {succeeded.Count / seconds:F1}/s; failed or timed out: {documents - succeeded.Count}") + burst.DescribeFailures());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"response latency ms: p50 {burst.P50:F0}  p99 {burst.P99:F0}  max {burst.Max:F0}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"process CPU during the burst: {_cpu.TotalSeconds:F1} s of {seconds * Environment.ProcessorCount:F1} s available ({_cpu.TotalMilliseconds / documents:F2} ms per upload, client and server together)"));
        }
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sluice.Cli.Chaos;
using Sluice.Cli.Client;
using Sluice.Kafka;
using Sluice.Processing;
using Sluice.Server.Api;
using Sluice.Server.Dev;
using Sluice.Server.Hosting;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench fanout</c>: one large document, from upload to completed. On a Kafka dev cluster (librdkafka's mock,
/// in this process) with a remote embedder of fixed latency (the fake OpenAI-compatible endpoint, in this process) and
/// 1, 2, 4… embed workers as separate <c>sluice worker</c> processes beside one worker for the other stages and one
/// <c>sluice api</c>; then on the embedded defaults in one <c>sluice serve</c>, with fan-out off (one batch) and on.
/// </summary>
internal static class FanOutBench
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    public static Command Create()
    {
        var dataset = new Option<string?>("--dataset") { Description = "A BEIR dataset folder (corpus.jsonl): its abstracts, concatenated, make the document" };
        var file = new Option<string?>("--file") { Description = "Use this text file as the document instead" };
        var chunks = new Option<int>("--chunks") { Description = "Chunks the generated document should have at least (default 5000)", DefaultValueFactory = _ => 5000 };
        var latency = new Option<string>("--latency") { Description = "Latency of every embeddings request of the fake provider (default 1s)", DefaultValueFactory = _ => "1s" };
        var workers = new Option<string>("--workers") { Description = "Embed worker counts to run on Kafka, comma-separated (default 1,2,4)", DefaultValueFactory = _ => "1,2,4" };
        var batchChunks = new Option<int>("--batch-chunks") { Description = "Sluice:Chunking:BatchChunks when fan-out is on (default: the setting's default)", DefaultValueFactory = _ => new ChunkerOptions().BatchChunks };
        var partitions = new Option<int>("--partitions") { Description = "Partitions per topic on Kafka (default 6)", DefaultValueFactory = _ => 6 };
        var embedded = new Option<string>("--embedded-embedder") { Description = "Embedder of the embedded runs: onnx (the default model) or remote (the fake provider)", DefaultValueFactory = _ => "onnx" };
        var skipKafka = new Option<bool>("--skip-kafka") { Description = "Leave out the Kafka runs" };
        var skipEmbedded = new Option<bool>("--skip-embedded") { Description = "Leave out the embedded runs" };
        embedded.AcceptOnlyFromAmong("onnx", "remote");
        var command = new Command("fanout", "Time one large document from upload to completed: Kafka with 1, 2, 4 embed workers, and the embedded defaults with fan-out off and on")
        {
            dataset, file, chunks, latency, workers, batchChunks, partitions, embedded, skipKafka, skipEmbedded,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            new Settings(
                result.GetValue(dataset), result.GetValue(file), result.GetValue(chunks), ParseDuration(result.GetValue(latency)!),
                [.. result.GetValue(workers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(w => int.Parse(w, CultureInfo.InvariantCulture))],
                result.GetValue(batchChunks), result.GetValue(partitions), result.GetValue(embedded)!, result.GetValue(skipKafka), result.GetValue(skipEmbedded)),
            cancellationToken));
        return command;
    }

    private sealed record Settings(
        string? Dataset, string? File, int Chunks, TimeSpan Latency, IReadOnlyList<int> Workers, int BatchChunks, int Partitions,
        string EmbeddedEmbedder, bool SkipKafka, bool SkipEmbedded);

    private sealed record Row(string Run, int Batches, TimeSpan Indexed, TimeSpan Completed, string Status);

    private static async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        if (settings.File is null && settings.Dataset is null)
        {
            throw new CliException("give --dataset path/to/scifact (its corpus.jsonl makes the document) or --file document.txt", 2);
        }

        var text = settings.File is { } path ? await File.ReadAllTextAsync(path, cancellationToken) : Generate(settings.Dataset!, settings.Chunks);
        var chunks = new TextChunker(new ChunkerOptions()).Split(text, null, cancellationToken).Count;
        var batches = (chunks + settings.BatchChunks - 1) / settings.BatchChunks;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fanout: one document of {Encoding.UTF8.GetByteCount(text) / 1024} KiB, {chunks} chunks ({batches} batches of at most {settings.BatchChunks}); embeddings requests take {settings.Latency.TotalMilliseconds:F0} ms"));

        await using var provider = new FakeLlmServer();
        var endpoint = await provider.StartAsync(new FakeLlmOptions { Latency = settings.Latency, Seed = 1 }, cancellationToken);
        var remote = new Dictionary<string, string>
        {
            ["Sluice__Embedder"] = "openai",
            ["Sluice__Embedding__OpenAi__Endpoint"] = endpoint.ToString(),
            ["Sluice__Embedding__OpenAi__Model"] = "fake-embedding",
            ["Sluice__Embedding__OpenAi__Dimensions"] = "384",
        };
        var work = Path.Combine(Path.GetTempPath(), $"sluice-fanout-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(work);
        var body = Encoding.UTF8.GetBytes(text);
        var rows = new List<Row>();
        try
        {
            if (!settings.SkipKafka)
            {
                foreach (var count in settings.Workers)
                {
                    rows.Add(await KafkaRunAsync(settings, count, remote, body, batches, Path.Combine(work, $"kafka-{count}"), cancellationToken));
                    Print(rows[^1]);
                }
            }

            if (!settings.SkipEmbedded)
            {
                var environment = settings.EmbeddedEmbedder == "remote" ? remote : [];
                rows.Add(await EmbeddedRunAsync("embedded, fan-out off", int.MaxValue, 1, environment, body, Path.Combine(work, "embedded-off"), cancellationToken));
                Print(rows[^1]);
                rows.Add(await EmbeddedRunAsync("embedded, fan-out on", settings.BatchChunks, batches, environment, body, Path.Combine(work, "embedded-on"), cancellationToken));
                Print(rows[^1]);
            }
        }
        finally
        {
            TryDelete(work);
        }

        Console.WriteLine();
        Console.WriteLine("| run | batches | upload → indexed (s) | upload → completed (s) | speed-up | status |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var group in rows.GroupBy(r => r.Run.StartsWith("kafka", StringComparison.Ordinal)))
        {
            var baseline = group.First().Completed.TotalSeconds;
            foreach (var row in group)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {row.Run} | {row.Batches} | {row.Indexed.TotalSeconds:F1} | {row.Completed.TotalSeconds:F1} | {baseline / row.Completed.TotalSeconds:F2}× | {row.Status} |"));
            }
        }

        return rows.All(r => r.Status == "completed") ? 0 : 1;
    }

    private static void Print(Row row) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {row.Run}: indexed after {row.Indexed.TotalSeconds:F1} s, {row.Status} after {row.Completed.TotalSeconds:F1} s"));

    /// <summary>
    /// A fresh mock cluster and data directory; <c>sluice api</c>, one worker for every stage but <c>embed</c>, and
    /// <paramref name="embedWorkers"/> workers of <c>embed</c> alone; then one upload, followed to its end.
    /// </summary>
    private static async Task<Row> KafkaRunAsync(
        Settings settings, int embedWorkers, Dictionary<string, string> remote, byte[] body, int batches, string directory, CancellationToken cancellationToken)
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.SetConsumerGroupTimeouts(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(1));
        foreach (var spec in TopicProvisioner.Specs(settings.Partitions, retryDelays: TopicProvisioner.DefaultRetryDelays))
        {
            cluster.CreateTopic(spec.Name, spec.Partitions);
        }

        var environment = new Dictionary<string, string>(remote)
        {
            ["Sluice__Partitions"] = settings.Partitions.ToString(CultureInfo.InvariantCulture),
            ["Sluice__Chunking__BatchChunks"] = settings.BatchChunks.ToString(CultureInfo.InvariantCulture),
            ["Sluice__Kafka__SessionTimeout"] = "00:00:06",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        string[] common = ["--data-dir", directory, "--bootstrap", cluster.BootstrapServers];
        var api = Url();
        var processes = new List<ChaosServer> { new(["api", "--urls", Origin(api), .. common], environment, api, Path.Combine(directory, "api.log")) };
        var others = Url();
        processes.Add(new(["worker", "--stage", "extract,chunk,index,summarize", "--urls", Origin(others), .. common], environment, others, Path.Combine(directory, "worker.log")));
        for (var i = 0; i < embedWorkers; i++)
        {
            var url = Url();
            processes.Add(new(["worker", "--stage", "embed", "--urls", Origin(url), .. common], environment, url, Path.Combine(directory, $"embed-{i}.log")));
        }

        Directory.CreateDirectory(directory);
        try
        {
            foreach (var process in processes)
            {
                await process.StartAsync(cancellationToken);
            }

            // Let the groups settle (joins and the rebalances they cause) before the clock starts.
            await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
            return await TimeOneAsync($"kafka, {embedWorkers} embed worker{(embedWorkers == 1 ? "" : "s")}", batches, api, body, cancellationToken);
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    /// <summary><c>sluice serve</c> on a fresh data directory with <paramref name="batchChunks"/>, and one upload, followed to its end.</summary>
    private static async Task<Row> EmbeddedRunAsync(
        string name, int batchChunks, int batches, Dictionary<string, string> embedder, byte[] body, string directory, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string>(embedder)
        {
            ["Sluice__Chunking__BatchChunks"] = batchChunks.ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        Directory.CreateDirectory(directory);
        var url = Url();
        await using var server = new ChaosServer(["serve", "--data-dir", directory, "--urls", Origin(url)], environment, url, Path.Combine(directory, "serve.log"));
        await server.StartAsync(cancellationToken);
        return await TimeOneAsync(name, batches, url, body, cancellationToken);
    }

    /// <summary>Uploads the document and polls its status until it is terminal: when <c>index</c> succeeded, and when the document ended.</summary>
    private static async Task<Row> TimeOneAsync(string name, int batches, Uri server, byte[] body, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("text/plain");
        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsync(new Uri("v1/documents?filename=fanout.txt", UriKind.Relative), content, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new CliException($"the upload was answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}", 1);
        }

        var id = (await response.Content.ReadFromJsonAsync<DocumentResponse>(SluiceClient.Json, cancellationToken))!.Id;
        TimeSpan? indexed = null;
        while (true)
        {
            var status = (await http.GetFromJsonAsync<DocumentResponse>(new Uri($"v1/documents/{id}", UriKind.Relative), SluiceClient.Json, cancellationToken))!;
            if (indexed is null && status.Stages.TryGetValue("index", out var index) && index.Status == "succeeded")
            {
                indexed = clock.Elapsed;
            }

            if (status.IsTerminal())
            {
                return new Row(name, batches, indexed ?? clock.Elapsed, clock.Elapsed, status.Status);
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    /// <summary>Titles and abstracts of the corpus, in file order, until the text makes at least <paramref name="chunks"/> chunks.</summary>
    private static string Generate(string dataset, int chunks)
    {
        var corpus = Path.Combine(dataset, "corpus.jsonl");
        if (!File.Exists(corpus))
        {
            throw new CliException($"{corpus} does not exist: --dataset must name a BEIR dataset folder", 2);
        }

        var chunker = new TextChunker(new ChunkerOptions());
        var text = new StringBuilder();
        var words = 0;
        foreach (var line in File.ReadLines(corpus))
        {
            using var entry = JsonDocument.Parse(line);
            var title = entry.RootElement.TryGetProperty("title", out var t) ? t.GetString() : null;
            var abstractText = entry.RootElement.GetProperty("text").GetString() ?? string.Empty;
            text.Append(title).Append("\n\n").Append(abstractText).Append("\n\n");
            words += abstractText.Count(c => c == ' ') + 1;

            // About 150 words make a chunk of 200 word pieces: check the real count only once the text should be long enough.
            if (words >= chunks * 150 && chunker.Split(text.ToString(), null).Count >= chunks)
            {
                return text.ToString();
            }
        }

        throw new CliException($"{corpus} holds fewer than {chunks} chunks of text; ask for fewer with --chunks", 2);
    }

    private static Uri Url()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
    }

    private static string Origin(Uri url) => url.ToString().TrimEnd('/');

    private static TimeSpan ParseDuration(string text)
    {
        var value = text.Trim();
        return value.EndsWith("ms", StringComparison.Ordinal) && double.TryParse(value[..^2], CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms)
            : value.EndsWith('s') && double.TryParse(value[..^1], CultureInfo.InvariantCulture, out var s) ? TimeSpan.FromSeconds(s)
            : throw new CliException($"--latency '{text}' is not a duration such as 200ms or 1s", 2);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up: a child may still hold a file for a moment.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

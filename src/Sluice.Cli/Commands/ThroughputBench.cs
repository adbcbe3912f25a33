using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Sluice.Cli.Client;
using Sluice.Processing;
using Sluice.Server.Api;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench throughput --folder DIR</c>: chunks per second through the whole pipeline (upload to every
/// document terminal) beside chunks per second of the bare local embedder on the very same chunks, in the same
/// run. The embedder is the physical bottleneck; the gap between the two is the pipeline's overhead.
/// The bare embedder runs twice, before and after the pipeline, on chunks cut locally with the pipeline's own
/// extractor and chunker, so a machine whose speed drifts during the run is measured on both sides of it.
/// <c>--scifact corpus.jsonl --documents N</c> is the small-documents scenario without preparing a folder: the first N
/// abstracts of a BEIR corpus, one file each (title, blank line, text), written the same way on every run.
/// </summary>
internal static class ThroughputBench
{
    private const int UploadClients = 8;

    public static Command Create()
    {
        var folder = new Option<string>("--folder") { Description = "Folder of documents to ingest (recursive)" };
        var scifact = new Option<string>("--scifact") { Description = "A BEIR corpus.jsonl: ingest its first --documents abstracts, one file each, instead of a folder" };
        var documents = new Option<int>("--documents") { Description = "Abstracts to take from --scifact (default 2000)", DefaultValueFactory = _ => 2000 };
        var server = ServerOption.Create();
        var telemetry = BenchTelemetry.CreateOption(defaultValue: null);
        var command = new Command("throughput", "Pipeline chunks/s against bare-embedder chunks/s on the same chunks") { folder, scifact, documents, server, telemetry };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(folder) is null) == (result.GetValue(scifact) is null))
            {
                result.AddError("Give either --folder DIR or --scifact path/to/corpus.jsonl.");
            }

        });
        command.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(scifact) is not null && result.GetValue(documents) < 1)
            {
                throw new CliException("--documents must be at least 1", 2);
            }

            using var corpus = result.GetValue(scifact) is { } jsonl ? await AbstractFolder.WriteAsync(jsonl, result.GetValue(documents), cancellationToken) : null;
            var input = corpus?.Path ?? result.GetValue(folder)!;
            return result.GetValue(telemetry) is { } mode
                ? await RunInProcessAsync(input, mode, cancellationToken)
                : await RunAsync(input, ServerOption.Resolve(result.GetValue(server)), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string folder, Uri server, CancellationToken cancellationToken)
    {
        var files = Files(folder);
        var texts = await ChunkLocallyAsync(files, cancellationToken);
        using var embedder = new OnnxMiniLmEmbedder();
        await embedder.EmbedAsync([.. texts.Take(8)], cancellationToken); // warm-up, as the server's was
        var before = await MeasureBareAsync(embedder, texts, "bare embedder (before)", cancellationToken);

        using var client = SluiceClient.Create(server);
        var (chunks, pipelineSeconds) = await RunPipelineAsync(client, files, texts.Count, cancellationToken);

        var after = await MeasureBareAsync(embedder, texts, "bare embedder (after)", cancellationToken);
        var bareRate = (before + after) / 2;
        var pipelineRate = chunks / pipelineSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bare embedder (mean) = {bareRate:F1} chunks/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline / bare embedder = {pipelineRate / bareRate:F2}"));
        return 0;
    }

    /// <summary>
    /// <c>--telemetry off|on|both</c>: Sluice runs in this process, on a fresh data directory per variant, with telemetry
    /// off and/or fully on (see <see cref="BenchTelemetry"/>); the bare embedder runs before and after all of them.
    /// </summary>
    private static async Task<int> RunInProcessAsync(string folder, string mode, CancellationToken cancellationToken)
    {
        var files = Files(folder);
        var texts = await ChunkLocallyAsync(files, cancellationToken);
        using var embedder = new OnnxMiniLmEmbedder();
        await embedder.EmbedAsync([.. texts.Take(8)], cancellationToken);
        var before = await MeasureBareAsync(embedder, texts, "bare embedder (before)", cancellationToken);
        var rows = new List<(string, IReadOnlyList<(string, double)>)>();
        foreach (var on in BenchTelemetry.Variants(mode))
        {
            await using var telemetry = await BenchTelemetry.StartAsync(on, cancellationToken);
            var data = Path.Combine(Path.GetTempPath(), "sluice-throughput-" + Guid.NewGuid().ToString("N"));
            double chunks, seconds;
            await using (var app = await telemetry.StartSluiceAsync(data, cancellationToken))
            {
                using var client = new SluiceClient(new HttpClient { BaseAddress = new Uri(app.Urls.First() + "/"), Timeout = TimeSpan.FromMinutes(30) });
                using var scrape = new HttpClient { BaseAddress = new Uri(app.Urls.First() + "/") };
                telemetry.StartScraping(scrape);
                Console.Write($"telemetry {telemetry.Label}: ");
                (chunks, seconds) = await RunPipelineAsync(client, files, texts.Count, cancellationToken);
                await telemetry.StopScrapingAsync();
                await app.StopAsync(CancellationToken.None);
            }

            telemetry.PrintTotals();
            rows.Add((telemetry.Label, [("chunks/s", chunks / seconds), ("seconds", seconds)]));
            TryDelete(data);
        }

        var after = await MeasureBareAsync(embedder, texts, "bare embedder (after)", cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bare embedder (mean) = {(before + after) / 2:F1} chunks/s"));
        BenchTelemetry.PrintComparison(rows);
        return 0;
    }

    private static List<string> Files(string folder)
        => Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : throw new CliException($"'{folder}' is not a folder", 2);

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Uploads every file (from <see cref="UploadClients"/> clients at once, so thousands of small documents arrive as a
    /// burst rather than one request at a time) and waits for every document to be terminal: chunks, and seconds from
    /// the first upload. Prints where the server's time went, from its metrics.
    /// </summary>
    private static async Task<(double Chunks, double Seconds)> RunPipelineAsync(SluiceClient client, List<string> files, int localChunks, CancellationToken cancellationToken)
    {
        using var scrape = new HttpClient { BaseAddress = client.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var profileBefore = await PipelineProfile.ReadAsync(scrape, cancellationToken);
        var clock = Stopwatch.StartNew();
        var ids = new string[files.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, files.Count),
            new ParallelOptions { MaxDegreeOfParallelism = UploadClients, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var (document, created) = await client.UploadAsync(files[i], token);
                if (!created)
                {
                    throw new CliException($"{Path.GetFileName(files[i])} was ingested before; run the benchmark on a fresh --data-dir", 2);
                }

                ids[i] = document.Id;
            });

        var documents = new List<DocumentResponse>();
        foreach (var id in ids)
        {
            DocumentResponse document;
            while (!(document = await client.GetAsync(id, cancellationToken)).IsTerminal())
            {
                await Task.Delay(100, cancellationToken);
            }

            documents.Add(document);
        }

        var pipelineSeconds = clock.Elapsed.TotalSeconds;
        var chunks = documents.Sum(d => d.Chunks ?? 0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pipeline: {documents.Count} documents ({documents.Count(d => d.Status == "completed")} completed), {chunks} chunks in {pipelineSeconds:F1} s = {chunks / pipelineSeconds:F1} chunks/s"));
        PipelineProfile.Print(profileBefore, await PipelineProfile.ReadAsync(scrape, cancellationToken), pipelineSeconds);

        if (chunks != localChunks)
        {
            Console.WriteLine($"note: the server cut {chunks} chunks, the local chunker {localChunks}; check that both use the same chunking options");
        }

        return (chunks, pipelineSeconds);
    }

    private static async Task<List<string>> ChunkLocallyAsync(List<string> files, CancellationToken cancellationToken)
    {
        var extractor = new DocumentExtractor(new ExtractionOptions());
        var chunker = new TextChunker(new ChunkerOptions());
        var texts = new List<string>();
        foreach (var file in files)
        {
            await using var content = File.OpenRead(file);
            var head = new byte[FormatSniffer.HeadLength];
            var read = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
            var format = FormatSniffer.Sniff(head.AsSpan(0, read), Path.GetFileName(file), null).Format
                ?? throw new CliException($"{Path.GetFileName(file)}: not a supported document", 2);
            content.Position = 0;
            var extracted = await extractor.ExtractAsync(content, format, cancellationToken);
            texts.AddRange(chunker.Split(extracted.Text, extracted.Pages, cancellationToken).Select(c => c.Text));
        }

        return texts;
    }

    private static async Task<double> MeasureBareAsync(OnnxMiniLmEmbedder embedder, List<string> texts, string label, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < texts.Count; i += 32)
        {
            await embedder.EmbedAsync([.. texts.Skip(i).Take(32)], cancellationToken);
        }

        var rate = texts.Count / clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: {texts.Count} chunks in {clock.Elapsed.TotalSeconds:F1} s = {rate:F1} chunks/s"));
        return rate;
    }
}

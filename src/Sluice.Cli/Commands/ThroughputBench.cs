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
/// </summary>
internal static class ThroughputBench
{
    public static Command Create()
    {
        var folder = new Option<string>("--folder") { Description = "Folder of documents to ingest (recursive)", Required = true };
        var server = ServerOption.Create();
        var command = new Command("throughput", "Pipeline chunks/s against bare-embedder chunks/s on the same chunks") { folder, server };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(folder)!, ServerOption.Resolve(result.GetValue(server)), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string folder, Uri server, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            throw new CliException($"'{folder}' is not a folder", 2);
        }

        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        using var client = SluiceClient.Create(server);
        var clock = Stopwatch.StartNew();
        var ids = new List<string>();
        foreach (var file in files)
        {
            var (document, created) = await client.UploadAsync(file, cancellationToken);
            if (!created)
            {
                throw new CliException($"{Path.GetFileName(file)} was ingested before; run the benchmark on a fresh --data-dir", 2);
            }

            ids.Add(document.Id);
        }

        var documents = new List<DocumentView>();
        foreach (var id in ids)
        {
            DocumentView document;
            while (!(document = await client.GetAsync(id, cancellationToken)).IsTerminal)
            {
                await Task.Delay(100, cancellationToken);
            }

            documents.Add(document);
        }

        var pipelineSeconds = clock.Elapsed.TotalSeconds;
        var chunks = documents.Sum(d => d.Chunks ?? 0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pipeline: {documents.Count} documents ({documents.Count(d => d.Status == "completed")} completed), {chunks} chunks in {pipelineSeconds:F1} s = {chunks / pipelineSeconds:F1} chunks/s"));

        var texts = await FetchChunkTextsAsync(server, ids, cancellationToken);
        using var embedder = new OnnxMiniLmEmbedder();
        await embedder.EmbedAsync([.. texts.Take(8)], cancellationToken); // warm-up, as the server's was
        var bare = Stopwatch.StartNew();
        for (var i = 0; i < texts.Count; i += 32)
        {
            await embedder.EmbedAsync([.. texts.Skip(i).Take(32)], cancellationToken);
        }

        var bareRate = texts.Count / bare.Elapsed.TotalSeconds;
        var pipelineRate = chunks / pipelineSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bare embedder: {texts.Count} chunks in {bare.Elapsed.TotalSeconds:F1} s = {bareRate:F1} chunks/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline / bare embedder = {pipelineRate / bareRate:F2}"));
        return 0;
    }

    private static async Task<List<string>> FetchChunkTextsAsync(Uri server, List<string> ids, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = server };
        var texts = new List<string>();
        foreach (var id in ids)
        {
            int? from = 0;
            while (from is { } start)
            {
                var page = await http.GetFromJsonAsync<ChunkPage>(new Uri($"v1/documents/{id}/chunks?from={start}&limit=500", UriKind.Relative), cancellationToken);
                texts.AddRange(page!.Items.Select(c => c.Text));
                from = page.Next;
            }
        }

        return texts;
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Sluice.Cli.Client;
using Sluice.Cli.Eval;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice eval beir</c>: ingests a BEIR dataset through the running server's real pipeline, runs every
/// judged query through <c>/v1/search</c> and prints nDCG@10, Recall@100 and MRR@10. A document's score is
/// its best chunk's score.
/// </summary>
internal static class EvalCommand
{
    private static readonly string[] AllModes = ["vector", "keyword", "hybrid"];

    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/)", Required = true };
        var split = new Option<string>("--split") { Description = "qrels split (default test)", DefaultValueFactory = _ => "test" };
        var mode = new Option<string>("--mode") { Description = "hybrid (default), vector, keyword or all", DefaultValueFactory = _ => "hybrid" };
        mode.AcceptOnlyFromAmong([.. AllModes, "all"]);
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent uploads and queries (default 8)", DefaultValueFactory = _ => 8 };
        var depth = new Option<int>("--chunks") { Description = "Chunks fetched per query to rank documents (default 300)", DefaultValueFactory = _ => 300 };
        var firstChunk = new Option<bool>("--first-chunk-only")
        {
            Description = "Rank documents by their first chunk only, like a model that truncates each document to its window",
        };
        var server = ServerOption.Create();
        var beir = new Command("beir", "Measure retrieval quality on a BEIR dataset, through the real pipeline")
        {
            dataset, split, mode, concurrency, depth, firstChunk, server,
        };
        beir.SetAction(async (result, cancellationToken) =>
        {
            var data = await BeirDataset.LoadAsync(result.GetValue(dataset)!, result.GetValue(split)!, cancellationToken);
            using var client = SluiceClient.Create(ServerOption.Resolve(result.GetValue(server)));
            var modes = result.GetValue(mode) == "all" ? AllModes : [result.GetValue(mode)!];
            return await RunAsync(client, data, modes, result.GetValue(concurrency), result.GetValue(depth), result.GetValue(firstChunk), cancellationToken);
        });
        return new Command("eval", "Quality measurements") { beir };
    }

    private static async Task<int> RunAsync(
        SluiceClient client, BeirDataset data, string[] modes, int concurrency, int depth, bool firstChunkOnly, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var corpusIdsOf = await IngestAsync(client, data, concurrency, cancellationToken);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, $"ingested {data.Corpus.Count} documents in {clock.Elapsed.TotalSeconds:F0} s");

        var queries = data.Qrels.Keys.Where(data.Queries.ContainsKey).Order(StringComparer.Ordinal).ToList();
        var table = new Table().AddColumns("mode", "queries", "nDCG@10", "Recall@100", "MRR@10", "seconds");
        foreach (var mode in modes)
        {
            var started = Stopwatch.GetTimestamp();
            var scores = new (double Ndcg, double Recall, double Mrr)[queries.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, queries.Count),
                new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
                async (i, token) =>
                {
                    var response = await client.SearchAsync(data.Queries[queries[i]], depth, mode, token);
                    var ranking = response.Results
                        .Where(h => !firstChunkOnly || h.Index == 0)
                        .Select(h => h.DocumentId)
                        .Distinct(StringComparer.Ordinal)
                        .SelectMany(id => corpusIdsOf.TryGetValue(id, out var ids) ? ids : [])
                        .Take(100)
                        .ToList();
                    var judged = data.Qrels[queries[i]];
                    scores[i] = (RetrievalMetrics.NdcgAt(ranking, judged, 10), RetrievalMetrics.RecallAt(ranking, judged, 100), RetrievalMetrics.MrrAt(ranking, judged, 10));
                });
            table.AddRow(mode, queries.Count.ToString(CultureInfo.InvariantCulture),
                scores.Average(s => s.Ndcg).ToString("0.0000", CultureInfo.InvariantCulture),
                scores.Average(s => s.Recall).ToString("0.0000", CultureInfo.InvariantCulture),
                scores.Average(s => s.Mrr).ToString("0.0000", CultureInfo.InvariantCulture),
                Stopwatch.GetElapsedTime(started).TotalSeconds.ToString("0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>Uploads every corpus document and waits until all are terminal; maps Sluice ids to corpus ids.</summary>
    private static async Task<Dictionary<string, List<string>>> IngestAsync(
        SluiceClient client, BeirDataset data, int concurrency, CancellationToken cancellationToken)
    {
        var corpusIdsOf = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var failed = new List<string>();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var uploading = progress.AddTask("Uploading", maxValue: data.Corpus.Count);
                await Parallel.ForEachAsync(data.Corpus, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
                    async (doc, token) =>
                    {
                        var document = await client.UploadTextAsync(doc.Text, $"{doc.Id}.txt", token);
                        lock (corpusIdsOf)
                        {
                            if (!corpusIdsOf.TryGetValue(document.Id, out var ids))
                            {
                                corpusIdsOf[document.Id] = ids = [];
                            }

                            ids.Add(doc.Id);
                        }

                        uploading.Increment(1);
                    });

                var processing = progress.AddTask("Processing", maxValue: corpusIdsOf.Count);
                var pending = corpusIdsOf.Keys.ToHashSet(StringComparer.Ordinal);
                while (pending.Count > 0)
                {
                    var finished = new List<string>();
                    await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
                        async (id, token) =>
                        {
                            var document = await client.GetAsync(id, token);
                            if (document.IsTerminal())
                            {
                                lock (finished)
                                {
                                    finished.Add(id);
                                    if (document.Status != "completed")
                                    {
                                        failed.Add($"{id}: {document.Error?.Stage} {document.Error?.Reason}");
                                    }
                                }
                            }
                        });
                    pending.ExceptWith(finished);
                    processing.Value = corpusIdsOf.Count - pending.Count;
                    if (pending.Count > 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                    }
                }
            });

        foreach (var failure in failed.Take(10))
        {
            AnsiConsole.MarkupLine($"[red]failed[/] {Markup.Escape(failure)}");
        }

        return corpusIdsOf;
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Sluice.Cli.Client;
using Sluice.Server.Api;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench ingest</c>: uploads N small distinct documents from C concurrent clients to a running
/// server, reports acknowledgement latency, then follows every document to a terminal state and reports
/// documents per second through the pipeline.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "Documents to upload (default 1000)", DefaultValueFactory = _ => 1000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent clients (default 16)", DefaultValueFactory = _ => 16 };
        var words = new Option<int>("--words") { Description = "Words per document (default 300)", DefaultValueFactory = _ => 300 };
        var server = ServerOption.Create();
        var ingest = new Command("ingest", "Measure accept latency and documents/s through the pipeline against a running server")
        {
            count, concurrency, words, server,
        };
        ingest.SetAction((result, cancellationToken) => RunAsync(
            ServerOption.Resolve(result.GetValue(server)), result.GetValue(count), result.GetValue(concurrency), result.GetValue(words), cancellationToken));
        return new Command("bench", "Benchmarks")
        {
            ingest, ThroughputBench.Create(), TransportBench.Create(), BurstBench.Create(), ExtractBench.Create(), Chaos.ChaosBench.Create(),
            IndexBench.Create(), RooflineBench.Create(), ColdStartBench.Create(), FanOutBench.Create(),
        };
    }

    private static async Task<int> RunAsync(Uri server, int count, int concurrency, int words, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
        var run = Guid.NewGuid().ToString("N")[..8];
        var latencies = new double[count];
        var ids = new string[count];
        var failures = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
                async (i, token) =>
                {
                    using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Document(run, i, words)));
                    content.Headers.ContentType = new("text/plain");
                    var started = Stopwatch.GetTimestamp();
                    using var response = await http.PostAsync(new Uri($"v1/documents?filename=bench-{i}.txt", UriKind.Relative), content, token);
                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (response.StatusCode != HttpStatusCode.Accepted)
                    {
                        Interlocked.Increment(ref failures);
                        return;
                    }

                    ids[i] = (await response.Content.ReadFromJsonAsync<DocumentResponse>(SluiceClient.Json, token))!.Id;
                });
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"cannot reach the Sluice server at {server} ({ex.Message})", 3);
        }

        var uploadSeconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"accepted {count - failures}/{count} uploads in {uploadSeconds:F2} s ({(count - failures) / uploadSeconds:F0}/s) with {concurrency} clients"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ack latency ms: p50 {Percentile(latencies, 0.50):F1}  p90 {Percentile(latencies, 0.90):F1}  p99 {Percentile(latencies, 0.99):F1}  max {latencies[^1]:F1}"));

        var pending = new HashSet<string>(ids.Where(id => id is not null), StringComparer.Ordinal);
        var failed = 0;
        while (pending.Count > 0)
        {
            foreach (var id in pending.ToList())
            {
                var document = (await http.GetFromJsonAsync<DocumentResponse>(new Uri($"v1/documents/{id}", UriKind.Relative), SluiceClient.Json, cancellationToken))!;
                if (document.IsTerminal())
                {
                    pending.Remove(id);
                    failed += document.IsFailure() ? 1 : 0;
                }
            }

            if (pending.Count > 0)
            {
                await Task.Delay(200, cancellationToken);
            }
        }

        var totalSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"all {count - failures} documents terminal after {totalSeconds:F2} s: {(count - failures) / totalSeconds:F1} documents/s through the pipeline ({failed} failed)"));
        return failures + failed > 0 ? 1 : 0;
    }

    private static string Document(string run, int i, int words)
    {
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"Benchmark run {run} document {i}. ");
        for (var w = 0; w < words; w++)
        {
            builder.Append(w % 12 == 11 ? "pipeline. " : "stream ");
        }

        return builder.ToString();
    }

    private static double Percentile(double[] sorted, double p)
        => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

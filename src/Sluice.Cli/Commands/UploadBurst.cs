using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Sluice.Cli.Client;
using Sluice.Server.Api;

namespace Sluice.Cli.Commands;

/// <summary>
/// The client side of the burst benchmarks (<c>bench burst</c>, <c>bench cold</c>): C clients upload N small distinct
/// text documents as raw bodies, each sending its next upload as soon as the last one was answered, and every
/// response's latency is measured from sending the request to reading the answer (the body too, for a 202).
/// </summary>
internal static class UploadBurst
{
    /// <summary>
    /// Uploads documents <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 to
    /// <paramref name="pathFormat"/> (formatted with the number) from <paramref name="clients"/> concurrent clients.
    /// An answer other than <paramref name="success"/>, or none, is counted as a failure by its status code.
    /// </summary>
    public static async Task<BurstOutcome> RunAsync(
        HttpClient http, string pathFormat, HttpStatusCode success, string kind, int first, int count, int clients, CancellationToken cancellationToken)
    {
        var ok = new ConcurrentBag<string>();
        var latencies = new ConcurrentBag<double>();
        var firstWave = new ConcurrentBag<double>();
        var afterFirstWave = new ConcurrentBag<double>();
        var started = 0;
        var failures = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var runId = Guid.NewGuid().ToString("N")[..8];
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(first, count), new ParallelOptions { MaxDegreeOfParallelism = clients, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Document(kind, runId, i)));
                content.Headers.ContentType = new("text/plain");
                var wave = Interlocked.Increment(ref started) <= clients ? firstWave : afterFirstWave;
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.PostAsync(new Uri(string.Format(CultureInfo.InvariantCulture, pathFormat, i), UriKind.Relative), content, token);
                    if (response.StatusCode == success)
                    {
                        ok.Add(success == HttpStatusCode.Accepted
                            ? (await response.Content.ReadFromJsonAsync<DocumentResponse>(SluiceClient.Json, token))!.Id
                            : i.ToString(CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        failures.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                    }

                    var latency = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    latencies.Add(latency);
                    wave.Add(latency);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
                {
                    var latency = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    latencies.Add(latency);
                    wave.Add(latency);
                    failures.AddOrUpdate(ex is TaskCanceledException ? "client timeout" : "connection error", 1, (_, n) => n + 1);
                }
            });
        return new BurstOutcome([.. ok], [.. latencies.Order()], failures, startedAt, clock.Elapsed, count) { FirstWaveMs = [.. firstWave.Order()], AfterFirstWaveMs = [.. afterFirstWave.Order()] };
    }

    /// <summary>The p-th percentile (0..1) of sorted values, nearest rank; 0 for none.</summary>
    public static double Percentile(double[] sorted, double p)
        => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1))];

    private static string Document(string kind, string run, int i)
        => $"{kind} {run} document {i}. It arrives with a thousand others. The summary takes a slow model. " +
           $"Sluice answers at once and works later. A synchronous wrapper makes the client wait for the model. Item {i} ends here.";
}

/// <summary>What one burst gave: the ids (or numbers) answered with success, every latency (sorted), failures by kind.</summary>
internal sealed record BurstOutcome(
    IReadOnlyList<string> Succeeded, double[] LatenciesMs, IReadOnlyDictionary<string, int> Failures, DateTimeOffset StartedAt, TimeSpan Elapsed, int Sent)
{
    public double P50 => UploadBurst.Percentile(LatenciesMs, 0.5);

    public double P99 => UploadBurst.Percentile(LatenciesMs, 0.99);

    public double Max => LatenciesMs.Length > 0 ? LatenciesMs[^1] : 0;

    /// <summary>
    /// Latencies (sorted) of the first request of each client, all sent at once: the wave that finds the server as
    /// it was before the burst (cold code, empty pools), and shares the cores with every other request of that wave.
    /// </summary>
    public double[] FirstWaveMs { get; init; } = [];

    /// <summary>Latencies (sorted) of every later request.</summary>
    public double[] AfterFirstWaveMs { get; init; } = [];

    /// <summary>Failures as "(503: 2, client timeout: 1)", or empty.</summary>
    public string DescribeFailures()
        => Failures.Count == 0
            ? string.Empty
            : " (" + string.Join(", ", Failures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + ": " + f.Value.ToString(CultureInfo.InvariantCulture))) + ")";
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Hosting;

/// <summary>
/// Ready while every store the API reads answers a read of a document that does not exist: chunks, summaries, dead
/// letters, the search index (a keyword query on a tenant that has nothing) and the blob store. The status store has
/// its own check. The probes run together; the answer names the stores that do not answer, the causes go to the log.
/// </summary>
public sealed partial class StoresHealthCheck(
    IChunkStore chunks, ISummaryStore summaries, IDeadLetterStore deadLetters, ISearchIndex index, IBlobStore blobs,
    ILogger<StoresHealthCheck> logger) : IHealthCheck
{
    public const string Name = "stores";
    private const string Probe = "readiness-probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probes = new (string Store, Func<Task> Read)[]
        {
            ("chunk store", () => chunks.CountAsync(Probe, cancellationToken)),
            ("summary store", () => summaries.GetAsync(Probe, cancellationToken)),
            ("dead-letter store", () => deadLetters.GetAsync(Probe, cancellationToken)),
            ("search index", () => index.SearchAsync(new SearchQuery(Probe, null, 1, SearchMode.Keyword, Probe), cancellationToken)),
            ("blob store", () => blobs.ExistsAsync(new BlobReference("blob:sha256:" + new string('0', 64), new string('0', 64), 0, "application/octet-stream"), cancellationToken)),
        };
        var failed = await Task.WhenAll(probes.Select(async p =>
        {
            try
            {
                await p.Read();
                return null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogUnavailable(logger, p.Store, ex);
                return p.Store;
            }
        }));
        var down = failed.OfType<string>().ToList();
        return down.Count == 0
            ? HealthCheckResult.Healthy("Every store answers.")
            : HealthCheckResult.Unhealthy($"Not answering: {string.Join(", ", down)}; see the log.");
    }

    [LoggerMessage(1, LogLevel.Warning, "Readiness: the {Store} does not answer")]
    private static partial void LogUnavailable(ILogger logger, string store, Exception exception);
}

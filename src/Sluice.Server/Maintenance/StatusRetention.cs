using Microsoft.Extensions.Options;
using Sluice.Core.Ports;

namespace Sluice.Server.Maintenance;

/// <summary>
/// Prunes the status store on a schedule (<see cref="RetentionOptions"/>): applied status event ids older than
/// <see cref="RetentionOptions.StatusEvents"/> and documents deleted longer ago than
/// <see cref="RetentionOptions.DeletedDocuments"/>. Without it both grow with every event and every deletion.
/// The first pass runs at start-up. Several processes pruning at once is harmless.
/// </summary>
public sealed partial class StatusRetention(
    IStatusStore statuses, StoreErrors storeErrors, IOptions<RetentionOptions> options, TimeProvider time, ILogger<StatusRetention> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PruneAsync(stoppingToken);
                await Task.Delay(settings.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (storeErrors.IsStoreFailure(ex))
            {
                LogFailed(logger, ex);
                await Task.Delay(settings.Interval, time, CancellationToken.None);
            }
        }
    }

    /// <summary>One pass; returns what was removed.</summary>
    internal async Task<StatusPruning> PruneAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var pruned = await statuses.PruneAsync(now - settings.StatusEvents, now - settings.DeletedDocuments, cancellationToken);
        if (pruned.AppliedEvents > 0 || pruned.DeletedDocuments > 0)
        {
            LogPruned(logger, pruned.AppliedEvents, pruned.DeletedDocuments);
        }

        return pruned;
    }

    [LoggerMessage(1, LogLevel.Information, "Pruned the status store: {AppliedEvents} applied event ids, {DeletedDocuments} deleted documents")]
    private static partial void LogPruned(ILogger logger, long appliedEvents, long deletedDocuments);

    [LoggerMessage(2, LogLevel.Warning, "Could not prune the status store; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

using Microsoft.Extensions.Options;
using Sluice.Core.Ports;

namespace Sluice.Server.DeadLetters;

/// <summary>
/// Upkeep of the dead-letter store, in the API process, at start and then every
/// <see cref="DeadLetterOptions.MaintenanceInterval"/>: dead letters left <c>replaying</c> by a replayer that died
/// (older than <see cref="DeadLetterOptions.StaleReplayAfter"/>) go back to <c>parked</c>, and dead letters replayed
/// more than <see cref="DeadLetterOptions.KeepReplayedFor"/> ago are deleted, so the store does not grow without
/// bound. Parked dead letters are never deleted here. Running it in several processes at once is harmless.
/// </summary>
public sealed partial class DeadLetterMaintenance(
    IDeadLetterStore store, StoreErrors storeErrors, IOptions<DeadLetterOptions> options, TimeProvider time, ILogger<DeadLetterMaintenance> logger) : BackgroundService
{
    /// <summary>One round; returns how many replays were returned to parked and how many replayed dead letters were deleted.</summary>
    public async Task<(int Returned, int Pruned)> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var returned = await store.ReturnStaleReplaysAsync(now - options.Value.StaleReplayAfter, cancellationToken);
        if (returned > 0)
        {
            LogReturned(logger, returned, options.Value.StaleReplayAfter);
        }

        var pruned = await store.PruneReplayedAsync(now - options.Value.KeepReplayedFor, cancellationToken);
        if (pruned > 0)
        {
            LogPruned(logger, pruned, options.Value.KeepReplayedFor);
        }

        return (returned, pruned);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(options.Value.MaintenanceInterval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (storeErrors.IsStoreFailure(ex))
            {
                LogFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "{Count} dead letter(s) were still replaying after {After}: their replayer stopped before finishing, so they are parked again (replay them once more)")]
    private static partial void LogReturned(ILogger logger, int count, TimeSpan after);

    [LoggerMessage(2, LogLevel.Information, "Deleted {Count} dead letter(s) replayed more than {KeepFor} ago")]
    private static partial void LogPruned(ILogger logger, int count, TimeSpan keepFor);

    [LoggerMessage(3, LogLevel.Warning, "Dead-letter upkeep failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Core.Ports;

namespace Sluice.Core.Deletion;

/// <summary>
/// Removes the blobs that deletions left behind, queued in the status store in the same transaction as each
/// tombstone. A blob is removed only after a transaction that found no live reference to it and marked it condemned;
/// an upload that takes up the same bytes in between registers its reference first and then waits for the
/// condemnation to end before it writes its bytes again (see <see cref="IStatusStore.IsBlobCondemnedAsync"/>).
/// </summary>
public sealed partial class BlobCollector(
    IStatusStore statuses, IBlobStore blobs, IEnumerable<IDeletedDataEraser> erasers, ILogger<BlobCollector> logger)
    : BackgroundService
{
    /// <summary>A condemnation older than this belongs to a collector that died halfway; it is taken up again.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    private const int Batch = 256;

    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>How often the queue is looked at when nobody asks.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Asks for a pass now (after a deletion).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Woken already.
            }
        }
    }

    /// <summary>Removes everything queued now; returns how many blobs (or owners' sets of blobs) were removed.</summary>
    public async Task<int> CollectAsync(CancellationToken cancellationToken = default)
    {
        var removed = 0;
        while (true)
        {
            var claimed = await statuses.ClaimBlobGarbageAsync(Batch, StaleAfter, cancellationToken);
            if (claimed.Count == 0)
            {
                break;
            }

            foreach (var garbage in claimed)
            {
                if (garbage.Owner is { } owner)
                {
                    await blobs.DeleteOwnedAsync(owner, cancellationToken);
                }
                else if (garbage.Blob is { } blob)
                {
                    await blobs.DeleteAsync(blob, cancellationToken);
                }
            }

            await statuses.ReleaseBlobGarbageAsync(claimed, cancellationToken);
            removed += claimed.Count;
            if (claimed.Count < Batch)
            {
                break;
            }
        }

        if (removed > 0)
        {
            foreach (var eraser in erasers)
            {
                await eraser.EraseDeletedAsync(cancellationToken);
            }

            LogCollected(logger, removed);
        }

        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CollectAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Nothing is lost: what was not removed stays queued (or condemned, and is taken up again later).
                LogFailed(logger, ex);
            }

            try
            {
                await _wake.WaitAsync(Interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Removed {Count} blobs (or document revisions' blob sets) of deleted documents")]
    private static partial void LogCollected(ILogger logger, int count);

    [LoggerMessage(2, LogLevel.Warning, "Could not remove the blobs of deleted documents; trying again later")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

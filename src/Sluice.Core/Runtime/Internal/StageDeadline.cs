using Sluice.Core.Stages;

namespace Sluice.Core.Runtime.Internal;

/// <summary>
/// Runs one attempt of a stage under a wall-clock limit. At the limit the stage's token is cancelled; a stage that
/// does not stop (a CPU-bound parser never looks at its token) is abandoned: the runtime stops waiting for it and
/// the stray task is left to end on its own, its outcome ignored.
/// </summary>
internal static class StageDeadline
{
    /// <summary>
    /// The stage's result, or null when the attempt ran out of time; <paramref name="abandoned"/> is called when the
    /// runtime stops waiting for a stage that did not stop.
    /// </summary>
    public static async Task<StageResult?> RunAsync(
        Func<CancellationToken, Task<StageResult>> handle, TimeSpan limit, TimeProvider time, Action abandoned, CancellationToken cancellationToken)
    {
        if (limit == Timeout.InfiniteTimeSpan)
        {
            return await handle(cancellationToken);
        }

        var expiry = new CancellationTokenSource(limit, time);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);

        // On the thread pool, so that a stage that computes before its first await cannot hold up the wait either.
        var work = Task.Run(() => handle(linked.Token), CancellationToken.None);
        _ = work.ContinueWith(
            finished =>
            {
                _ = finished.Exception; // a stray attempt's failure is nobody's business any more
                linked.Dispose();
                expiry.Dispose();
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        try
        {
            var result = await work.WaitAsync(limit, time, cancellationToken);

            // A stage that noticed the cancellation may call it a failure of its own; the cause is the limit.
            return expiry.IsCancellationRequested && result is not StageResult.Succeeded ? null : result;
        }
        catch (TimeoutException)
        {
            try
            {
                await expiry.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // It ended just now, after all.
            }

            abandoned();
            return null;
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}

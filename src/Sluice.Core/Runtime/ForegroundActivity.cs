namespace Sluice.Core.Runtime;

/// <summary>
/// Work someone is waiting for right now, such as an upload waiting for its <c>202</c>. Stage runners in the
/// same process hold off fetching new records while there is any, for at most <see cref="StageRunnerOptions.MaxYield"/>
/// at a time, so that on a machine shared with the API a burst of uploads is acknowledged first and processed
/// right after. Work already fetched carries on; stages in other processes are not affected.
/// </summary>
public sealed class ForegroundActivity
{
    private readonly Lock _lock = new();
    private int _active;
    private TaskCompletionSource _idle = NewIdle(completed: true);

    /// <summary>Foreground work in progress now.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Marks one piece of foreground work as started; dispose the result when it ends.</summary>
    public Scope Begin()
    {
        lock (_lock)
        {
            if (_active++ == 0)
            {
                _idle = NewIdle(completed: false);
            }
        }

        return new Scope(this);
    }

    /// <summary>Waits until no foreground work is in progress, or for <paramref name="atMost"/>, whichever comes first.</summary>
    public async ValueTask WaitForIdleAsync(TimeSpan atMost, CancellationToken cancellationToken = default)
    {
        Task idle;
        lock (_lock)
        {
            idle = _idle.Task;
        }

        if (idle.IsCompleted || atMost <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await idle.WaitAsync(atMost, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Yielded long enough: background work must keep moving under sustained load too.
        }
    }

    private void End()
    {
        TaskCompletionSource? idle = null;
        lock (_lock)
        {
            if (--_active == 0)
            {
                idle = _idle;
            }
        }

        idle?.TrySetResult();
    }

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            source.SetResult();
        }

        return source;
    }

    /// <summary>One piece of foreground work; ends when disposed (once).</summary>
    public sealed class Scope : IDisposable
    {
        private ForegroundActivity? _owner;

        internal Scope(ForegroundActivity owner) => _owner = owner;

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?.End();
    }
}

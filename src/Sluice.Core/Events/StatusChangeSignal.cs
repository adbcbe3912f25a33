namespace Sluice.Core.Events;

/// <summary>
/// An in-process wake-up for readers of the status change feed: a status store of this process pulses it after it
/// commits a change, so that a live stream answers at once instead of at its next poll. It carries no data (readers
/// read the feed) and is only a shortcut: changes committed by other processes are found by polling.
/// </summary>
public sealed class StatusChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes at the next <see cref="Notify"/>. Take it before reading the feed and wait on it after an empty read:
    /// a change committed in between has completed it already, so no wake-up is lost.
    /// </summary>
    public Task Next => Volatile.Read(ref _next).Task;

    /// <summary>Wakes every reader waiting on <see cref="Next"/>.</summary>
    public void Notify()
        => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

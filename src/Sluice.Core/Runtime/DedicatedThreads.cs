using System.Collections.Concurrent;

namespace Sluice.Core.Runtime;

/// <summary>
/// Threads of their own for work that blocks (a flush to disk, a client library's blocking calls) or that should
/// run apart from the thread pool (model inference at a lower priority). Work runs in the order it was queued;
/// with one thread, strictly one item after the other.
/// </summary>
/// <remarks>
/// Parking a dedicated thread in a blocking call costs nothing; parking thread-pool threads makes every other
/// piece of async work in the process queue behind them, the requests waiting for that very work included.
/// </remarks>
public sealed class DedicatedThreads : IDisposable
{
    private readonly BlockingCollection<Func<Action>> _work = [];
    private readonly BlockingCollection<Action>? _completions;
    private readonly Thread[] _threads;
    private readonly Thread? _completer;
    private readonly string _name;
    private int _running;
    private int _disposed;

    /// <summary>Starts the threads.</summary>
    /// <param name="name">The threads' name (seen in debuggers, <c>top -H</c> and profiles).</param>
    /// <param name="count">How many threads take work side by side.</param>
    /// <param name="onStart">Runs first on each thread, e.g. to lower its priority.</param>
    /// <param name="completeOnOwnThread">
    /// Hands results back to the callers from one more thread, of ordinary priority. Needed when
    /// <paramref name="onStart"/> lowers the threads' priority: completing a task can start a thread-pool thread,
    /// and a thread inherits its creator's priority.
    /// </param>
    public DedicatedThreads(string name, int count = 1, Action? onStart = null, bool completeOnOwnThread = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _name = name;
        if (completeOnOwnThread)
        {
            var completions = new BlockingCollection<Action>();
            _completions = completions;
            _completer = Start(name + "-done", () =>
            {
                foreach (var complete in completions.GetConsumingEnumerable())
                {
                    complete();
                }
            });
        }

        _threads = new Thread[count];
        _running = count;
        for (var i = 0; i < count; i++)
        {
            _threads[i] = Start(name, () =>
            {
                onStart?.Invoke();
                foreach (var work in _work.GetConsumingEnumerable())
                {
                    var complete = work();
                    if (_completions is null)
                    {
                        complete();
                    }
                    else
                    {
                        _completions.Add(complete);
                    }
                }

                if (Interlocked.Decrement(ref _running) == 0)
                {
                    _completions?.CompleteAdding();
                }
            });
        }
    }

    /// <summary>Runs <paramref name="work"/> on one of the threads and returns its result.</summary>
    /// <remarks>
    /// Work whose <paramref name="cancellationToken"/> is cancelled before a thread takes it does not run. An
    /// <see cref="OperationCanceledException"/> thrown by the work cancels the returned task.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The threads take no more work.</exception>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<Action> item = () =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return () => completion.TrySetCanceled(cancellationToken);
            }

            try
            {
                var result = work();
                return () => completion.TrySetResult(result);
            }
            catch (OperationCanceledException canceled)
            {
                var token = cancellationToken.IsCancellationRequested ? cancellationToken : canceled.CancellationToken;
                return () => completion.TrySetCanceled(token);
            }
            catch (Exception exception)
            {
                return () => completion.TrySetException(exception);
            }
        };

        try
        {
            _work.Add(item, CancellationToken.None);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ObjectDisposedException)
        {
            throw new ObjectDisposedException(_name, "These threads take no more work.");
        }

        return completion.Task;
    }

    /// <summary>Runs <paramref name="work"/> on one of the threads.</summary>
    /// <exception cref="ObjectDisposedException">The threads take no more work.</exception>
    public Task RunAsync(Action work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunAsync(() =>
        {
            work();
            return true;
        }, cancellationToken);
    }

    /// <summary>Takes no more work; the threads end once what is queued is done. Does not wait for them.</summary>
    public void Complete()
    {
        try
        {
            _work.CompleteAdding();
        }
        catch (ObjectDisposedException)
        {
            // Disposed already.
        }
    }

    /// <summary>Takes no more work and waits until what is queued is done (unless called from one of the threads).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Complete();
        if (Array.IndexOf(_threads, Thread.CurrentThread) >= 0 || _completer == Thread.CurrentThread)
        {
            // Called from one of the threads, which is still reading the queues: they end on their own.
            return;
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _completer?.Join();
        _work.Dispose();
        _completions?.Dispose();
    }

    private static Thread Start(string name, Action body)
    {
        var thread = new Thread(() => body()) { IsBackground = true, Name = name };
        thread.Start();
        return thread;
    }
}

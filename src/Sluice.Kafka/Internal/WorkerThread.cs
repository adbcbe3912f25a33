using System.Collections.Concurrent;

namespace Sluice.Kafka.Internal;

/// <summary>
/// One dedicated thread that runs a client's blocking calls in order. Kafka's consume and commit calls block
/// their caller; parking a dedicated thread costs nothing, parking thread-pool threads starves the process.
/// </summary>
internal sealed class WorkerThread
{
    private readonly BlockingCollection<Action> _work = [];

    public WorkerThread(string name)
    {
        var thread = new Thread(Run) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the thread after what is already queued.</summary>
    public Task<T> Invoke<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _work.Add(() =>
            {
                try
                {
                    completion.TrySetResult(work());
                }
                catch (OperationCanceledException ex)
                {
                    completion.TrySetCanceled(ex.CancellationToken);
                }
                catch (Exception ex)
                {
                    completion.TrySetException(ex);
                }
            });
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(WorkerThread), "The Kafka client is closed.");
        }

        return completion.Task;
    }

    /// <summary>Accepts no more work; the thread ends once the queued work is done.</summary>
    public void Complete() => _work.CompleteAdding();

    private void Run()
    {
        foreach (var work in _work.GetConsumingEnumerable())
        {
            work();
        }

        _work.Dispose();
    }
}

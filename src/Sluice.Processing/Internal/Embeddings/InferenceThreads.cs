using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Sluice.Processing.Internal.Embeddings;

/// <summary>
/// Dedicated threads for model inference, run at a lower scheduling priority (a higher Linux nice value).
/// </summary>
/// <remarks>
/// On one machine the model shares the cores with the API. Inference is throughput work that can wait a few
/// milliseconds; acknowledging an upload is latency work that should not. Running inference on threads of
/// their own, reniced, lets the scheduler give the API the CPU first while the model still uses every idle
/// cycle. The model's session is created on one of these threads too, because ONNX Runtime's intra-op worker
/// threads inherit their creator's nice value. Elsewhere than Linux the threads keep normal priority.
/// <para>
/// Every thread started from a reniced thread inherits its nice value, thread-pool workers included, and
/// completing a task can start one. So the inference threads never complete a caller's task themselves: they
/// hand the result to a completer thread of normal priority, and the process's other threads stay as they were.
/// </para>
/// </remarks>
internal sealed partial class InferenceThreads : IDisposable
{
    private readonly BlockingCollection<Func<Action>> _work = [];
    private readonly BlockingCollection<Action> _completions = [];
    private readonly Thread[] _threads;
    private readonly Thread _completer;

    public InferenceThreads(int count, int nice, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _completer = new Thread(() =>
        {
            foreach (var complete in _completions.GetConsumingEnumerable())
            {
                complete();
            }
        })
        {
            IsBackground = true,
            Name = name + "-done",
        };
        _completer.Start();
        _threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            _threads[i] = new Thread(() =>
            {
                if (nice > 0)
                {
                    TryRenice(nice);
                }

                foreach (var work in _work.GetConsumingEnumerable())
                {
                    _completions.Add(work());
                }
            })
            {
                IsBackground = true,
                Name = name,
            };
            _threads[i].Start();
        }
    }

    /// <summary>Runs <paramref name="work"/> on one of the threads.</summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
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
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return () => completion.TrySetCanceled(cancellationToken);
            }
            catch (Exception exception)
            {
                return () => completion.TrySetException(exception);
            }
        }, CancellationToken.None);
        return completion.Task;
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        foreach (var thread in _threads)
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join();
            }
        }

        _completions.CompleteAdding();
        if (_completer != Thread.CurrentThread)
        {
            _completer.Join();
        }

        _work.Dispose();
        _completions.Dispose();
    }

    /// <summary>The calling thread's nice value, or null where it cannot be read (not Linux).</summary>
    internal static int? CurrentNice()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            Marshal.SetLastPInvokeError(0);
            var value = GetPriority(PrioProcess, GetTid());
            return value == -1 && Marshal.GetLastPInvokeError() != 0 ? null : value;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static void TryRenice(int nice)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            // With PRIO_PROCESS and a thread id, Linux sets the nice value of that one thread. Raising one's
            // own nice value needs no privilege; if it fails, the thread just keeps its priority.
            _ = SetPriority(PrioProcess, GetTid(), nice);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    private const int PrioProcess = 0;

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    private static partial int GetPriority(int which, int who);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();
}

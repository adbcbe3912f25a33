namespace Sluice.Core.Runtime.Internal;

/// <summary>
/// Lets a suspect record run alone in its process. A record that was in flight when a process died may have killed it,
/// or may have been a bystander of a kill from outside (an OOM kill of the whole container, a node lost, an operator's
/// SIGKILL): every record in flight at that moment looks the same afterwards. So a suspect runs with nothing else in
/// flight in this process (ordinary records take the gate shared, suspects exclusively, and new ordinary records wait
/// while a suspect does), and only deaths during such a lone run are held against it: a record that kills its process
/// when alone is the cause, while a bystander is not charged again once it has run alone and finished.
/// </summary>
internal sealed class SuspectGate : IDisposable
{
    /// <summary>One gate per process: every stage runner in it shares the process's fate.</summary>
    public static SuspectGate Process { get; } = new();

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _exclusive = new(1, 1);
    private int _shared;
    private TaskCompletionSource? _suspectActive;
    private TaskCompletionSource? _drained;

    /// <summary>Enters as an ordinary record: waits while a suspect runs or waits to run.</summary>
    public async Task<IDisposable> EnterSharedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_suspectActive is null)
                {
                    _shared++;
                    return new Release(this, exclusive: false);
                }

                wait = _suspectActive.Task;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Enters as a suspect: one at a time, once every ordinary record in flight has finished.</summary>
    public async Task<IDisposable> EnterExclusiveAsync(CancellationToken cancellationToken)
    {
        await _exclusive.WaitAsync(cancellationToken);
        Task drained;
        lock (_lock)
        {
            _suspectActive = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_shared == 0)
            {
                _drained.TrySetResult();
            }

            drained = _drained.Task;
        }

        try
        {
            await drained.WaitAsync(cancellationToken);
            return new Release(this, exclusive: true);
        }
        catch
        {
            ExitExclusive();
            throw;
        }
    }

    public void Dispose() => _exclusive.Dispose();

    private void ExitShared()
    {
        lock (_lock)
        {
            if (--_shared == 0)
            {
                _drained?.TrySetResult();
            }
        }
    }

    private void ExitExclusive()
    {
        TaskCompletionSource? active;
        lock (_lock)
        {
            active = _suspectActive;
            _suspectActive = null;
            _drained = null;
        }

        active?.TrySetResult();
        _exclusive.Release();
    }

    private sealed class Release(SuspectGate gate, bool exclusive) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 1)
            {
                return;
            }

            if (exclusive)
            {
                gate.ExitExclusive();
            }
            else
            {
                gate.ExitShared();
            }
        }
    }
}

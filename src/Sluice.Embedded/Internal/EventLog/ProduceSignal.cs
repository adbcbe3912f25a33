namespace Sluice.Embedded.Internal.EventLog;

/// <summary>
/// Wakes waiting polls in this process when records were committed to a log file. Keyed by the file's full
/// path, so that every log instance of the process on the same file shares one signal. Writes made by
/// other processes are seen by the periodic re-check instead.
/// </summary>
internal sealed class ProduceSignal
{
    private static readonly Dictionary<string, (ProduceSignal Signal, int References)> Registry =
        new(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ProduceSignal()
    {
    }

    /// <summary>Completes at the next <see cref="Pulse"/>. Take it before looking for records, then wait on it.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public static ProduceSignal Acquire(string fullPath)
    {
        lock (Registry)
        {
            var signal = Registry.TryGetValue(fullPath, out var entry) ? entry.Signal : new ProduceSignal();
            Registry[fullPath] = (signal, entry.References + 1);
            return signal;
        }
    }

    public static void Release(string fullPath)
    {
        lock (Registry)
        {
            if (!Registry.TryGetValue(fullPath, out var entry))
            {
                return;
            }

            if (entry.References <= 1)
            {
                Registry.Remove(fullPath);
            }
            else
            {
                Registry[fullPath] = (entry.Signal, entry.References - 1);
            }
        }
    }

    public void Pulse()
    {
        var previous = Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }
}

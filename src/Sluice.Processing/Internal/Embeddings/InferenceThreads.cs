using System.Runtime.InteropServices;
using Sluice.Core.Runtime;

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
internal static partial class InferenceThreads
{
    /// <summary>Starts <paramref name="count"/> inference threads at nice <paramref name="nice"/>, with a completer of normal priority.</summary>
    public static DedicatedThreads Start(int count, int nice, string name)
        => new(name, count, onStart: nice > 0 ? () => TryRenice(nice) : null, completeOnOwnThread: true);

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

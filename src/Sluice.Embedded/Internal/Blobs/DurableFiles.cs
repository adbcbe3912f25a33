using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sluice.Embedded.Internal.Blobs;

/// <summary>
/// Makes files durable, their data and then the directory entry that names them, on threads of its own.
/// </summary>
/// <remarks>
/// An <c>fsync</c> blocks its thread for as long as the disk takes. On the thread pool a burst of uploads would
/// tie up every worker while the API still has requests to answer, so the flushes run on dedicated threads,
/// many side by side: the file system folds concurrent flushes into one journal commit. (One <c>syncfs</c> per
/// batch was measured too: it was no faster here, and it also waits for every other process's dirty data on
/// the same file system, so a neighbour copying a large file would stall acknowledgements.)
/// </remarks>
internal sealed partial class DurableFiles : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread[] _threads;
    private int _disposed;

    public DurableFiles(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _threads = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(() =>
            {
                foreach (var work in _work.GetConsumingEnumerable())
                {
                    work();
                }
            })
            {
                IsBackground = true,
                Name = "sluice-fsync",
            };
            _threads[i].Start();
        }
    }

    /// <summary>Flushes the complete file at <paramref name="tempPath"/>, renames it to <paramref name="target"/> and flushes the directory.</summary>
    public Task CommitAsync(string tempPath, string target)
        => RunAsync(() =>
        {
            using (var handle = File.OpenHandle(tempPath, FileMode.Open, FileAccess.ReadWrite))
            {
                RandomAccess.FlushToDisk(handle);
            }

            Publish(tempPath, target);
        });

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _work.CompleteAdding();
        foreach (var thread in _threads)
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join();
            }
        }

        _work.Dispose();
    }

    /// <summary>Flushes a directory's entries to disk. Linux needs this for a rename to survive a power loss; elsewhere it does nothing.</summary>
    internal static void FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var handle = Open(directory, ReadOnly | CloseOnExec);
        if (handle.IsInvalid)
        {
            throw new IOException($"Could not open directory '{directory}' to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        if (FSync(handle) != 0)
        {
            throw new IOException($"Could not flush directory '{directory}' to disk (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    private static void Publish(string tempPath, string target)
    {
        var directory = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);

            // A new directory (sha256/ab/cd, perhaps sha256/ab too) must be named durably in its parent as well.
            var parent = Path.GetDirectoryName(directory)!;
            FlushDirectory(parent);
            FlushDirectory(Path.GetDirectoryName(parent)!);
        }

        File.Move(tempPath, target, overwrite: true);
        FlushDirectory(directory);
    }

    private Task RunAsync(Action action)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _work.Add(() =>
            {
                try
                {
                    action();
                    completion.TrySetResult();
                }
                catch (Exception exception)
                {
                    completion.TrySetException(exception);
                }
            });
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(DurableFiles));
        }

        return completion.Task;
    }

    private const int ReadOnly = 0; // O_RDONLY
    private const int CloseOnExec = 0x80000; // O_CLOEXEC, the same on every Linux architecture .NET runs on

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeFileHandle Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(SafeFileHandle handle);
}

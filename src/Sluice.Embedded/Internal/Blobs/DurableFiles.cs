using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Runtime;

namespace Sluice.Embedded.Internal.Blobs;

/// <summary>
/// Makes files durable, their data and then the directory entry that names them, on threads of its own.
/// </summary>
/// <remarks>
/// An <c>fsync</c> blocks its thread for as long as the disk takes. On the thread pool large uploads arriving
/// together would tie up every worker while the API still has requests to answer, so the flushes run on
/// dedicated threads, several side by side: the file system folds concurrent flushes into one journal commit. (One <c>syncfs</c> per
/// batch was measured too: it was no faster here, and it also waits for every other process's dirty data on
/// the same file system, so a neighbour copying a large file would stall acknowledgements.)
/// </remarks>
internal sealed partial class DurableFiles : IDisposable
{
    private readonly DedicatedThreads _threads;

    public DurableFiles(int threads) => _threads = new DedicatedThreads("sluice-fsync", threads);

    /// <summary>Flushes the complete file at <paramref name="tempPath"/>, renames it to <paramref name="target"/> and flushes the directory.</summary>
    public Task CommitAsync(string tempPath, string target)
        => _threads.RunAsync(() =>
        {
            using (var handle = File.OpenHandle(tempPath, FileMode.Open, FileAccess.ReadWrite))
            {
                RandomAccess.FlushToDisk(handle);
            }

            Publish(tempPath, target);
        });

    public void Dispose() => _threads.Dispose();

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

    private const int ReadOnly = 0; // O_RDONLY
    private const int CloseOnExec = 0x80000; // O_CLOEXEC, the same on every Linux architecture .NET runs on

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeFileHandle Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(SafeFileHandle handle);
}

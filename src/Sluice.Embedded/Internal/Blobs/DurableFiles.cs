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

    /// <summary>
    /// Flushes the complete file at <paramref name="source"/> and gives it a second name, <paramref name="target"/>
    /// (a hard link, so no bytes are copied), durably; the source stays, so the same bytes can be committed again if
    /// the target is deleted. A target that exists already is left as it is.
    /// </summary>
    public Task LinkAsync(string source, string target)
        => _threads.RunAsync(() =>
        {
            using (var handle = File.OpenHandle(source, FileMode.Open, FileAccess.ReadWrite))
            {
                RandomAccess.FlushToDisk(handle);
            }

            var directory = Path.GetDirectoryName(target)!;
            EnsureDirectory(directory);
            if (!OperatingSystem.IsLinux())
            {
                if (!File.Exists(target))
                {
                    var copy = target + ".copy";
                    File.Copy(source, copy, overwrite: true);
                    File.Move(copy, target, overwrite: true);
                }

                return;
            }

            if (Link(source, target) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != AlreadyExists)
                {
                    throw new IOException($"Could not link '{target}' (errno {errno}).");
                }
            }

            FlushDirectory(directory);
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

    /// <summary>Creates <paramref name="directory"/> and any missing parents, each one named durably in its own parent.</summary>
    private static void EnsureDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        EnsureDirectory(Path.GetDirectoryName(directory)!);
        Directory.CreateDirectory(directory);
        FlushDirectory(Path.GetDirectoryName(directory)!);
    }

    private const int ReadOnly = 0; // O_RDONLY
    private const int CloseOnExec = 0x80000; // O_CLOEXEC, the same on every Linux architecture .NET runs on

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeFileHandle Open(string path, int flags);

    private const int AlreadyExists = 17; // EEXIST

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string newPath);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(SafeFileHandle handle);
}

using System.Runtime.InteropServices;

namespace Sluice.Processing.Internal.Extraction.Isolation;

/// <summary>
/// Ends the child when its parent is gone. A child busy on a document does not read its pipe, so it would not
/// notice the parent dying (killed, crashed) and could go on burning a core; on Unix it is re-parented, which
/// <c>getppid</c> shows within a poll.
/// </summary>
internal static partial class ParentWatch
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    public static void Start()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var parent = GetParentProcessId();
        var thread = new Thread(() =>
        {
            while (GetParentProcessId() == parent)
            {
                Thread.Sleep(Interval);
            }

            Environment.Exit(ExtractorExitCodes.ParentGone);
        })
        {
            IsBackground = true,
            Name = "sluice-extractor parent watch",
        };
        thread.Start();
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentProcessId();
}

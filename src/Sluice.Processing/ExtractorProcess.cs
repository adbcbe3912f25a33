using System.Runtime.InteropServices;
using Sluice.Processing.Internal.Extraction.Isolation;

namespace Sluice.Processing;

/// <summary>
/// The entry point of an extractor child process (the <c>sluice-extractor</c> program). It reads requests on
/// standard input and answers on standard output until its input closes; see <see cref="IsolatedDocumentExtractor"/>.
/// An application that cannot ship <c>sluice-extractor</c> (a single-file build) can call this from a command
/// of its own and name itself in <see cref="ExtractionOptions.ChildPath"/>.
/// </summary>
public static class ExtractorProcess
{
    /// <summary>Serves extraction requests on this process's standard input and output; returns the exit code.</summary>
    public static async Task<int> RunChildAsync()
    {
        // Only the protocol may reach standard output: anything a library prints goes to standard error.
        await using var output = Console.OpenStandardOutput();
        await using var input = Console.OpenStandardInput();
        Console.SetOut(Console.Error);

        // Ctrl+C in a terminal signals the whole process group. The parent decides when a child ends (it closes
        // the pipe, or kills a child that overruns), so a document in progress is not lost to the signal.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
        using var quit = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGQUIT, context => context.Cancel = true);
        ParentWatch.Start();
        return await ChildLoop.RunAsync(input, output, TestHooks.Enabled, CancellationToken.None);
    }
}

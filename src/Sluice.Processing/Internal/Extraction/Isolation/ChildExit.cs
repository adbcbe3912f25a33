namespace Sluice.Processing.Internal.Extraction.Isolation;

/// <summary>How a child ended: its exit code (128 + N for signal N on Unix), what its standard error said.</summary>
internal sealed record ChildExit(int ExitCode, bool StackOverflow, bool OutOfMemory, string ErrorTail);

namespace Sluice.Processing.Internal.Extraction.Isolation;

/// <summary>How an extractor child ends, besides 0 (its pipe closed) and the runtime's own aborts.</summary>
internal static class ExtractorExitCodes
{
    /// <summary>The managed heap reached its hard limit; the child stops rather than go on in a doubtful state.</summary>
    public const int OutOfMemory = 86;

    /// <summary>The parent process is gone.</summary>
    public const int ParentGone = 87;

    /// <summary>The pipe carried something that is not the protocol.</summary>
    public const int ProtocolError = 88;
}

namespace Sluice.Processing;

/// <summary>
/// The extractor child hit an error that is not the document's fault as far as it can tell (an I/O error, a
/// parser bug): what the in-process extractor would have thrown, carried over the pipe. The stage runtime
/// retries it like any unclassified exception.
/// </summary>
public sealed class ExtractorProcessException : Exception
{
    public ExtractorProcessException()
    {
    }

    public ExtractorProcessException(string message)
        : base(message)
    {
    }

    public ExtractorProcessException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace Sluice.Processing;

/// <summary>
/// Text cannot be extracted from a document and never will be: retrying is pointless.
/// The message is a one-line reason meant for the person who uploaded the document.
/// </summary>
public sealed class ExtractionException : Exception
{
    public ExtractionException()
        : this("the document cannot be read")
    {
    }

    public ExtractionException(string message)
        : base(message)
    {
    }

    public ExtractionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The actionable reason, as shown to end users (same as <see cref="Exception.Message"/>).</summary>
    public string Reason => Message;
}

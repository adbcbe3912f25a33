namespace Sluice.Processing;

/// <summary>
/// The summarizer will not summarize this document, for a reason that trying again cannot change (it would cost more
/// LLM requests than <see cref="LlmOptions.MaxRequestsPerDocument"/> allows). The summarize stage fails the document
/// permanently with <see cref="Exception.Message"/> as the reason.
/// </summary>
public sealed class SummaryRefusedException : Exception
{
    public SummaryRefusedException()
    {
    }

    public SummaryRefusedException(string message)
        : base(message)
    {
    }

    public SummaryRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace Sluice.Processing;

/// <summary>
/// Extracts normalised plain text from a document whose format <see cref="FormatSniffer"/> decided: in this
/// process (<see cref="DocumentExtractor"/>) or in child processes (<see cref="IsolatedDocumentExtractor"/>).
/// Problems that no retry can fix are reported as <see cref="ExtractionException"/>; anything else (I/O,
/// cancellation, a machine that cannot start a process) propagates as is.
/// </summary>
public interface IDocumentExtractor
{
    /// <summary>Extracts the text of <paramref name="content"/>, which need not be seekable.</summary>
    /// <param name="content">The document's bytes; read to the end, not disposed.</param>
    /// <param name="format">One of <see cref="DocumentFormats"/>.</param>
    /// <param name="cancellationToken">Stops the extraction.</param>
    Task<ExtractedText> ExtractAsync(Stream content, string format, CancellationToken cancellationToken = default);
}

using Sluice.Processing.Internal.Extraction;

namespace Sluice.Processing;

/// <summary>
/// Extracts normalised plain text in this process. Problems that no retry can fix (damaged, encrypted, hostile,
/// oversized or empty documents) are reported as <see cref="ExtractionException"/>; anything else (I/O,
/// cancellation) propagates as is.
/// </summary>
public sealed class DocumentExtractor : IDocumentExtractor
{
    private readonly ExtractionOptions _options;

    public DocumentExtractor(ExtractionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc />
    /// <remarks>Cancellation is checked between pages and parts.</remarks>
    public async Task<ExtractedText> ExtractAsync(Stream content, string format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        CheckFormat(format);
        cancellationToken.ThrowIfCancellationRequested();

        if (NeedsRandomAccess(format))
        {
            await using var spooled = await InputStreams.SpoolAsync(content, cancellationToken);
            return ExtractSeekable(spooled, format, cancellationToken);
        }

        return ExtractMarkup(await InputStreams.ReadBoundedAsync(content, _options.MaxTextInputBytes, cancellationToken), format, cancellationToken);
    }

    /// <summary>Extracts the document in the file at <paramref name="path"/>, which PDF and DOCX parse in place.</summary>
    internal async Task<ExtractedText> ExtractFileAsync(string path, string format, CancellationToken cancellationToken = default)
    {
        CheckFormat(format);
        cancellationToken.ThrowIfCancellationRequested();
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920);
        return NeedsRandomAccess(format)
            ? ExtractSeekable(file, format, cancellationToken)
            : ExtractMarkup(await InputStreams.ReadBoundedAsync(file, _options.MaxTextInputBytes, cancellationToken), format, cancellationToken);
    }

    private static void CheckFormat(string format)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (format is not (DocumentFormats.Pdf or DocumentFormats.Docx or DocumentFormats.Html or DocumentFormats.Markdown or DocumentFormats.Text))
        {
            throw ExtractionErrors.UnknownFormat(format);
        }
    }

    private static bool NeedsRandomAccess(string format) => format is DocumentFormats.Pdf or DocumentFormats.Docx;

    private ExtractedText ExtractSeekable(Stream document, string format, CancellationToken cancellationToken)
    {
        if (format == DocumentFormats.Pdf)
        {
            return CheckLength(PdfTextExtractor.Extract(document, _options, cancellationToken));
        }

        return Normalized(DocxTextExtractor.Extract(document, _options, cancellationToken));
    }

    private ExtractedText ExtractMarkup(byte[] bytes, string format, CancellationToken cancellationToken)
    {
        var decoded = TextDecoder.Decode(bytes);
        return Normalized(format switch
        {
            DocumentFormats.Html => HtmlTextExtractor.Extract(decoded, _options, cancellationToken),
            DocumentFormats.Markdown => MarkdownTextExtractor.Extract(decoded, _options.MaxCharacters, cancellationToken),
            _ => decoded,
        });
    }

    private ExtractedText Normalized(string raw)
    {
        var text = TextNormalizer.Normalize(raw);
        return text.Length == 0 ? throw ExtractionErrors.NoText() : CheckLength(new ExtractedText(text, null));
    }

    private ExtractedText CheckLength(ExtractedText extracted) =>
        extracted.Text.Length > _options.MaxCharacters ? throw ExtractionErrors.TooManyCharacters(_options.MaxCharacters) : extracted;
}

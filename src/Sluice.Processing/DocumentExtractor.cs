using Sluice.Processing.Internal.Extraction;

namespace Sluice.Processing;

/// <summary>
/// Extracts normalised plain text from a document whose format <see cref="FormatSniffer"/> decided.
/// Problems that no retry can fix (damaged, encrypted, hostile or empty documents) are reported as
/// <see cref="ExtractionException"/>; anything else (I/O, cancellation) propagates as is.
/// </summary>
public sealed class DocumentExtractor
{
    private readonly ExtractionOptions _options;

    public DocumentExtractor(ExtractionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Extracts the text of <paramref name="content"/>, which need not be seekable.</summary>
    /// <param name="content">The document's bytes; read to the end, not disposed.</param>
    /// <param name="format">One of <see cref="DocumentFormats"/>.</param>
    /// <param name="cancellationToken">Stops the extraction (checked between pages and parts).</param>
    public async Task<ExtractedText> ExtractAsync(Stream content, string format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(format);
        cancellationToken.ThrowIfCancellationRequested();

        if (format == DocumentFormats.Pdf)
        {
            await using var pdf = await InputStreams.SpoolAsync(content, cancellationToken);
            var paged = PdfTextExtractor.Extract(pdf, _options.MaxCharacters, cancellationToken);
            return CheckLength(paged);
        }

        string raw;
        if (format == DocumentFormats.Docx)
        {
            await using var docx = await InputStreams.SpoolAsync(content, cancellationToken);
            raw = DocxTextExtractor.Extract(docx, _options, cancellationToken);
        }
        else
        {
            if (format is not (DocumentFormats.Html or DocumentFormats.Markdown or DocumentFormats.Text))
            {
                throw ExtractionErrors.UnknownFormat(format);
            }

            var bytes = await InputStreams.ReadBoundedAsync(content, _options.MaxTextInputBytes, cancellationToken);
            raw = ExtractDecoded(TextDecoder.Decode(bytes), format, cancellationToken);
        }

        var text = TextNormalizer.Normalize(raw);
        return text.Length == 0 ? throw ExtractionErrors.NoText() : CheckLength(new ExtractedText(text, null));
    }

    private string ExtractDecoded(string decoded, string format, CancellationToken cancellationToken) => format switch
    {
        DocumentFormats.Html => HtmlTextExtractor.Extract(decoded, _options, cancellationToken),
        DocumentFormats.Markdown => MarkdownTextExtractor.Extract(decoded, _options.MaxCharacters, cancellationToken),
        _ => decoded,
    };

    private ExtractedText CheckLength(ExtractedText extracted) =>
        extracted.Text.Length > _options.MaxCharacters ? throw ExtractionErrors.TooManyCharacters(_options.MaxCharacters) : extracted;
}

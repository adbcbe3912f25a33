using Sluice.Processing.Internal.Extraction;

namespace Sluice.Processing;

/// <summary>
/// Decides an upload's format from its first bytes. Content wins over the name: a PDF named
/// <c>.txt</c> is a PDF, random bytes named <c>.pdf</c> are unsupported. The name and declared
/// content type only choose between formats the content allows (HTML or Markdown or plain text, a zip as DOCX).
/// </summary>
public static class FormatSniffer
{
    /// <summary>How many leading bytes <see cref="Sniff"/> looks at.</summary>
    public const int HeadLength = 8192;

    private static readonly string[] MarkdownExtensions = [".md", ".markdown", ".mdown", ".mkd", ".mkdn"];
    private static readonly string[] HtmlExtensions = [".html", ".htm", ".xhtml"];

    /// <summary>Sniffs the format.</summary>
    /// <param name="head">The first <see cref="HeadLength"/> bytes, or the whole content when shorter.</param>
    /// <param name="fileName">The uploaded file's name, if known.</param>
    /// <param name="declaredContentType">The content type the client declared, if any.</param>
    public static SniffResult Sniff(ReadOnlySpan<byte> head, string? fileName, string? declaredContentType)
    {
        if (head.IsEmpty)
        {
            return SniffResult.Unsupported("empty");
        }

        var extension = Path.GetExtension(fileName ?? string.Empty).ToLowerInvariant();
        var declared = MediaType(declaredContentType);

        if (ContentSigns.IsPdf(head))
        {
            return SniffResult.Supported(DocumentFormats.Pdf);
        }

        if (ContentSigns.IsZip(head))
        {
            return ContentSigns.HasDocxEntries(head) || extension == ".docx" || declared == DocumentFormats.DocxContentType
                ? SniffResult.Supported(DocumentFormats.Docx)
                : SniffResult.Unsupported("a zip archive that is not a DOCX document", "application/zip");
        }

        var text = ContentSigns.DecodeHead(head);
        if (ContentSigns.LooksBinary(text))
        {
            return SniffResult.Unsupported("binary content that is not PDF, DOCX, HTML, Markdown or text");
        }

        var namedMarkdown = MarkdownExtensions.Contains(extension) || declared is "text/markdown" or "text/x-markdown";
        if (namedMarkdown)
        {
            // A Markdown file may quote HTML; only a real page preamble makes it HTML.
            return SniffResult.Supported(ContentSigns.StartsLikeHtmlDocument(text) ? DocumentFormats.Html : DocumentFormats.Markdown);
        }

        var namedHtml = HtmlExtensions.Contains(extension) || declared is "text/html" or "application/xhtml+xml";
        if (ContentSigns.LooksLikeHtmlDocument(text) || (namedHtml && ContentSigns.HasMarkup(text)))
        {
            return SniffResult.Supported(DocumentFormats.Html);
        }

        return SniffResult.Supported(DocumentFormats.Text);
    }

    private static string? MediaType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = semicolon >= 0 ? contentType[..semicolon] : contentType;
        return mediaType.Trim().ToLowerInvariant();
    }
}

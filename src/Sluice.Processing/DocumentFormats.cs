namespace Sluice.Processing;

/// <summary>The document formats Sluice can extract text from, and their canonical content types.</summary>
public static class DocumentFormats
{
    public const string Pdf = "pdf";
    public const string Docx = "docx";
    public const string Html = "html";
    public const string Markdown = "markdown";
    public const string Text = "text";

    public const string PdfContentType = "application/pdf";
    public const string DocxContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    public const string HtmlContentType = "text/html";
    public const string MarkdownContentType = "text/markdown";
    public const string TextContentType = "text/plain";

    /// <summary>Content type reported for content that is not a supported document.</summary>
    public const string UnknownContentType = "application/octet-stream";

    /// <summary>Every supported format.</summary>
    public static IReadOnlyList<string> All { get; } = [Pdf, Docx, Html, Markdown, Text];

    /// <summary>Whether <paramref name="format"/> is one of <see cref="All"/>.</summary>
    public static bool IsSupported(string? format) => format is Pdf or Docx or Html or Markdown or Text;

    /// <summary>The canonical content type of a supported format.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The format is not supported.</exception>
    public static string ContentTypeOf(string format) => format switch
    {
        Pdf => PdfContentType,
        Docx => DocxContentType,
        Html => HtmlContentType,
        Markdown => MarkdownContentType,
        Text => TextContentType,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unsupported document format."),
    };
}

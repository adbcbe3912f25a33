namespace Sluice.Processing.Internal.Extraction;

/// <summary>How HTML elements shape the extracted text.</summary>
internal static class HtmlElements
{
    /// <summary>Elements whose content is never text for a reader.</summary>
    public static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas",
        "audio", "video", "select", "datalist",
    };

    /// <summary>Elements that stand apart from their surroundings by a blank line.</summary>
    public static readonly HashSet<string> Paragraphs = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "table", "ul", "ol", "dl", "section",
        "article", "header", "footer", "main", "nav", "aside", "figure", "hr", "address", "details", "form",
        "fieldset", "body", "title",
    };

    /// <summary>Elements that start and end on their own line.</summary>
    public static readonly HashSet<string> Lines = new(StringComparer.OrdinalIgnoreCase)
    {
        "div", "li", "tr", "dt", "dd", "caption", "figcaption", "summary", "legend", "option", "thead", "tbody",
        "tfoot", "center",
    };

    /// <summary>Table cells, separated by a tab.</summary>
    public static readonly HashSet<string> Cells = new(StringComparer.OrdinalIgnoreCase) { "td", "th" };
}

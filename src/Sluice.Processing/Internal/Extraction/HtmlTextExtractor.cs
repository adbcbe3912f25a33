using HtmlAgilityPack;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>
/// HTML text via HtmlAgilityPack: the title, then the visible text (head content other than the title yields none), block elements on their own lines or
/// paragraphs, inline whitespace collapsed, entities decoded. The tree walk uses an explicit stack, and the
/// parser's own nesting limit keeps it away from inputs on which it degrades (quadratically with depth).
/// </summary>
internal static class HtmlTextExtractor
{
    public static string Extract(string html, ExtractionOptions options, CancellationToken cancellationToken = default)
    {
        var elements = CountStartTags(html);
        if (elements > options.MaxHtmlElements)
        {
            throw ExtractionErrors.TooManyHtmlElements(elements, options.MaxHtmlElements);
        }

        var document = Parse(html, options.MaxHtmlDepth);
        var writer = new HtmlTextWriter(new BoundedTextBuilder(options.MaxCharacters));
        var stack = new Stack<(HtmlNode Node, bool Closing)>();
        stack.Push((document.DocumentNode, false));
        var visited = 0;
        while (stack.Count > 0)
        {
            if (++visited % 4096 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var (node, closing) = stack.Pop();
            if (closing)
            {
                writer.Close(node.Name);
                continue;
            }

            switch (node.NodeType)
            {
                case HtmlNodeType.Text:
                    writer.Text(HtmlEntity.DeEntitize(((HtmlTextNode)node).Text));
                    continue;
                case HtmlNodeType.Comment:
                    continue;
                case HtmlNodeType.Element when HtmlElements.Skipped.Contains(node.Name):
                    continue;
                case HtmlNodeType.Element:
                    writer.Open(node.Name);
                    stack.Push((node, true));
                    break;
            }

            for (var child = node.LastChild; child is not null; child = child.PreviousSibling)
            {
                stack.Push((child, false));
            }
        }

        return writer.ToString();
    }

    /// <summary>
    /// Start tags (<c>&lt;</c> followed by a letter), counted before parsing because the parser builds an object
    /// per element. Tags inside comments and scripts count too, so this is an upper bound of the elements.
    /// </summary>
    internal static int CountStartTags(ReadOnlySpan<char> html)
    {
        var count = 0;
        int at;
        while ((at = html.IndexOf('<')) >= 0)
        {
            html = html[(at + 1)..];
            if (html.Length > 0 && char.IsAsciiLetter(html[0]))
            {
                count++;
            }
        }

        return count;
    }

    private static HtmlDocument Parse(string html, int maxDepth)
    {
        var document = new HtmlDocument { OptionMaxNestedChildNodes = maxDepth };
        try
        {
            document.LoadHtml(html);
            return document;
        }
        catch (Exception ex) when (ex.GetType() == typeof(Exception))
        {
            // HtmlAgilityPack reports exceeding OptionMaxNestedChildNodes with a plain Exception.
            throw ExtractionErrors.HtmlTooDeep(maxDepth);
        }
    }
}

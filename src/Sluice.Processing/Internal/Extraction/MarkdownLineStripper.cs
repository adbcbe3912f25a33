namespace Sluice.Processing.Internal.Extraction;

/// <summary>
/// Plain text from Markdown line by line, for documents too deeply nested to parse: block markers
/// (indentation, quotes, list bullets, heading hashes) and emphasis markers are dropped, the rest kept.
/// </summary>
internal static class MarkdownLineStripper
{
    /// <summary>Block nesting (quotes and list items opened on one line) that is still parsed with Markdig.</summary>
    private const int MaxNesting = 32;

    /// <summary>Leading indentation, in columns, that is still parsed with Markdig (nested lists indent per level).</summary>
    private const int MaxIndentColumns = 128;

    /// <summary>Whether no line nests blocks deeper than Markdig copes with quickly.</summary>
    public static bool IsShallow(string markdown)
    {
        foreach (var line in markdown.AsSpan().EnumerateLines())
        {
            var (columns, nesting, _) = MeasurePrefix(line);
            if (columns > MaxIndentColumns || nesting > MaxNesting)
            {
                return false;
            }
        }

        return true;
    }

    public static void Write(string markdown, BoundedTextBuilder text, CancellationToken cancellationToken = default)
    {
        var lines = 0;
        foreach (var line in markdown.AsSpan().EnumerateLines())
        {
            if (++lines % 4096 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var (_, _, prefixLength) = MeasurePrefix(line);
            var content = line[prefixLength..].TrimStart('#').Trim();
            MarkdownInlineStripper.Append(content, firstCharacterEscaped: false, text);
            text.Append('\n');
        }
    }

    /// <summary>Appends <paramref name="line"/> without anything between angle brackets.</summary>
    public static void AppendWithoutTags(ReadOnlySpan<char> line, BoundedTextBuilder text)
    {
        while (!line.IsEmpty)
        {
            var open = line.IndexOf('<');
            if (open < 0)
            {
                text.Append(line);
                return;
            }

            text.Append(line[..open]);
            var close = line[open..].IndexOf('>');
            if (close < 0)
            {
                return;
            }

            line = line[(open + close + 1)..];
        }
    }

    /// <summary>Measures the block prefix of a line: indentation columns, quote and list markers, and its length.</summary>
    private static (int Columns, int Nesting, int Length) MeasurePrefix(ReadOnlySpan<char> line)
    {
        var columns = 0;
        var nesting = 0;
        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (c == ' ')
            {
                columns++;
            }
            else if (c == '\t')
            {
                columns += 4;
            }
            else if (c == '>')
            {
                nesting++;
            }
            else if (c is '-' or '*' or '+' && i + 1 < line.Length && line[i + 1] == ' ')
            {
                nesting++;
            }
            else
            {
                var digits = 0;
                while (i + digits < line.Length && char.IsAsciiDigit(line[i + digits]) && digits < 9)
                {
                    digits++;
                }

                if (digits == 0 || i + digits + 1 >= line.Length || line[i + digits] is not ('.' or ')') || line[i + digits + 1] != ' ')
                {
                    break;
                }

                nesting++;
                i += digits;
            }

            i++;
        }

        return (columns, nesting, i);
    }
}

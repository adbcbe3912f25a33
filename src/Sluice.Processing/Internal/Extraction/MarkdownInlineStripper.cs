namespace Sluice.Processing.Internal.Extraction;

/// <summary>
/// Removes emphasis markers (<c>*</c>, <c>_</c>, <c>~~</c> runs that open or close a span) from literal
/// Markdown text in one linear pass. Markers between spaces (<c>2 * 3</c>) or inside words
/// (<c>snake_case</c>) stay.
/// </summary>
internal static class MarkdownInlineStripper
{
    public static void Append(ReadOnlySpan<char> literal, bool firstCharacterEscaped, BoundedTextBuilder text)
    {
        var start = 0;
        if (firstCharacterEscaped && literal.Length > 0)
        {
            text.Append(literal[0]);
            start = 1;
        }

        var i = start;
        while (i < literal.Length)
        {
            var c = literal[i];
            if (c is not ('*' or '_' or '~'))
            {
                var next = literal[i..].IndexOfAny('*', '_', '~');
                var end = next < 0 ? literal.Length : i + next;
                text.Append(literal[i..end]);
                i = end;
                continue;
            }

            var runEnd = i;
            while (runEnd < literal.Length && literal[runEnd] == c)
            {
                runEnd++;
            }

            var before = i > 0 ? literal[i - 1] : '\0';
            var after = runEnd < literal.Length ? literal[runEnd] : '\0';
            if (IsMarkup(c, runEnd - i, before, after))
            {
                i = runEnd;
                continue;
            }

            text.Append(literal[i..runEnd]);
            i = runEnd;
        }
    }

    /// <summary>Whether a run of <paramref name="length"/> <paramref name="marker"/>s opens or closes emphasis.</summary>
    /// <remarks>A literal's edge (<c>\0</c>) borders another inline, so it counts as neither space nor word.</remarks>
    private static bool IsMarkup(char marker, int length, char before, char after)
    {
        if (marker == '~' && length != 2)
        {
            return false;
        }

        if (char.IsWhiteSpace(before) && char.IsWhiteSpace(after))
        {
            return false;
        }

        return !(char.IsLetterOrDigit(before) && char.IsLetterOrDigit(after));
    }
}

namespace Sluice.Processing.Internal.Chunking;

/// <summary>
/// Splits text into sentences, headings and list items by a few rules, in one pass.
/// </summary>
/// <remarks>
/// There is no well-kept .NET library for sentence boundaries (the statistical and ICU-based ones are either
/// unmaintained, tied to a native runtime, or need a model per language), and chunking only needs good-enough
/// boundaries: a missed one makes a sentence longer, which the chunker then cuts at whitespace. The rules:
/// <list type="bullet">
/// <item>terminal punctuation (. ! ? …, and full-width and CJK forms), with closing quotes and brackets after it,
/// followed by whitespace and then an upper-case or caseless letter, a digit, an opening quote or bracket;</item>
/// <item>but not after an abbreviation, an initial or a list number (see <see cref="Abbreviations"/>); decimals
/// such as 3.14 have no whitespace after the dot and so never match;</item>
/// <item>CJK sentence ends (。！？) end a sentence even without whitespace after them;</item>
/// <item>a blank line (or a form feed) always ends one and starts a paragraph;</item>
/// <item>a single line break ends one before or after a list item, after a heading-like short line, and after a
/// colon. Other line breaks are taken as wrapped lines of the same sentence.</item>
/// </list>
/// </remarks>
internal static class SentenceSplitter
{
    private const int MaxHeadingLength = 60;

    /// <summary>Splits <paramref name="text"/>; the spans are in order, trimmed and never empty.</summary>
    public static List<SentenceSpan> Split(string text, CancellationToken cancellationToken)
    {
        var sentences = new List<SentenceSpan>();
        var n = text.Length;
        var i = SkipWhiteSpace(text, 0);
        var sentenceStart = i;
        var lineStart = i;
        var startsParagraph = true;
        var terminalEnd = -1;
        var terminalIsCjk = false;
        var abbreviationDot = -1;
        var steps = 0;

        while (i < n)
        {
            if (++steps % 65536 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                var next = SkipWhiteSpace(text, i);
                if (next == n)
                {
                    break;
                }

                var (lineBreaks, isParagraph) = ClassifyGap(text, i, next);
                var boundary = isParagraph
                    || (terminalEnd == i && (terminalIsCjk || (CharRules.CanStartSentence(text, next)
                        && (abbreviationDot < 0 || !Abbreviations.IsNonTerminalDot(text, abbreviationDot, lineStart, next)))))
                    || (lineBreaks > 0 && IsLineBoundary(text, lineStart, i, next, sentenceStart));
                if (boundary)
                {
                    sentences.Add(new SentenceSpan(sentenceStart, i, startsParagraph));
                    sentenceStart = next;
                    startsParagraph = isParagraph;
                }

                if (lineBreaks > 0)
                {
                    lineStart = next;
                }

                i = next;
                continue;
            }

            if (CharRules.IsTerminal(c))
            {
                var end = i + 1;
                var isCjk = CharRules.IsCjkTerminal(c);
                while (end < n && (CharRules.IsTerminal(text[end]) || CharRules.IsCloser(text[end])))
                {
                    isCjk |= CharRules.IsCjkTerminal(text[end]);
                    end++;
                }

                if (isCjk && end < n && !char.IsWhiteSpace(text[end]))
                {
                    sentences.Add(new SentenceSpan(sentenceStart, end, startsParagraph));
                    sentenceStart = end;
                    startsParagraph = false;
                }

                terminalEnd = end;
                terminalIsCjk = isCjk;
                var isSingleDot = c == '.' && (end == i + 1 || !CharRules.IsTerminal(text[i + 1]));
                abbreviationDot = isSingleDot ? i : -1;
                i = end;
                continue;
            }

            i++;
        }

        var last = n;
        while (last > sentenceStart && char.IsWhiteSpace(text[last - 1]))
        {
            last--;
        }

        if (last > sentenceStart)
        {
            sentences.Add(new SentenceSpan(sentenceStart, last, startsParagraph));
        }

        return sentences;
    }

    private static int SkipWhiteSpace(string text, int index)
    {
        while (index < text.Length && char.IsWhiteSpace(text[index]))
        {
            index++;
        }

        return index;
    }

    private static (int LineBreaks, bool IsParagraph) ClassifyGap(string text, int start, int end)
    {
        var lineBreaks = 0;
        var isParagraph = false;
        for (var k = start; k < end; k++)
        {
            switch (text[k])
            {
                case '\n' or '\u0085' or '\u2028':
                    lineBreaks++;
                    break;
                case '\r' when k + 1 >= end || text[k + 1] != '\n':
                    lineBreaks++;
                    break;
                case '\f' or '\u2029':
                    isParagraph = true;
                    break;
                default:
                    break;
            }
        }

        return (lineBreaks, isParagraph || lineBreaks >= 2);
    }

    private static bool IsLineBoundary(string text, int lineStart, int lineEnd, int next, int sentenceStart)
    {
        if (CharRules.StartsListItem(text, next) || text[lineEnd - 1] == ':')
        {
            return true;
        }

        if (!CharRules.CanStartSentence(text, next))
        {
            return false;
        }

        // The line just ended is a list item or a heading: "# Title", "- item", or a short line that is a whole
        // sentence by itself and ends in a letter or digit ("Introduction", "2 Related work").
        return CharRules.StartsListItem(text, lineStart) || text[lineStart] == '#'
            || (lineStart == sentenceStart && lineEnd - lineStart <= MaxHeadingLength
                && char.IsLetterOrDigit(text[lineEnd - 1]) && CharRules.CanStartSentence(text, lineStart));
    }
}

namespace Sluice.Processing.Internal.Chunking;

/// <summary>
/// Cuts a run that has no whitespace the tokenizer separates words at (a URL, base64, a line without spaces) into
/// pieces of at most the target number of word pieces, by characters.
/// </summary>
/// <remarks>
/// Each piece is counted on its own text, so its count is exact. The piece length is guessed from the density
/// (word pieces per character) of the previous piece, which makes one count per piece the usual case and keeps the
/// whole cut linear in the run's length. Cuts prefer whitespace (line breaks and tabs can be inside such a run),
/// then the end of a punctuation character (where the tokenizer starts a new word anyway), and never split a
/// surrogate pair or detach a combining mark.
/// </remarks>
internal sealed class RunSplitter(TokenCounter counter, int target)
{
    private const double Margin = 0.9;
    private const int MaxCharacterBacktrack = 32;

    /// <summary>Longest piece in characters, so that runs the tokenizer maps to a few [UNK]s stay readable.</summary>
    private int MaxPieceLength { get; } = Math.Max(16, target * 4);

    /// <summary>Appends the pieces of <c>text[start..end]</c> (trimmed) to <paramref name="units"/>.</summary>
    public void Split(string text, int start, int end, bool startsParagraph, List<ChunkUnit> units)
    {
        var density = 0.0;
        var p = start;
        while (p < end)
        {
            var length = density > 0 ? (int)Math.Clamp(Margin * target / density, 1, MaxPieceLength) : MaxPieceLength;
            var cut = p + length >= end ? (End: end, Next: end) : ChooseCut(text, p, p + length);
            var tokens = counter.Count(text, p, cut.End);
            while (tokens > target)
            {
                var shorter = (int)Math.Max(1, (long)(cut.End - p) * target / tokens * Margin);
                var smaller = ChooseCut(text, p, p + Math.Min(shorter, cut.End - p - 1));
                if (smaller.End >= cut.End)
                {
                    break;
                }

                cut = smaller;
                tokens = counter.Count(text, p, cut.End);
            }

            units.Add(new ChunkUnit(p, cut.End, tokens, IsSentence: false,
                StartsParagraph: startsParagraph && p == start, JoinsPrevious: p != start));
            density = Math.Max(tokens, 1) / (double)(cut.End - p);
            p = cut.Next;
        }
    }

    /// <summary>
    /// A cut near <paramref name="desired"/>: the piece ends at <c>End</c> in (<paramref name="start"/>,
    /// <paramref name="desired"/>] and the next starts at <c>Next</c>, with only whitespace between them.
    /// </summary>
    private static (int End, int Next) ChooseCut(string text, int start, int desired)
    {
        desired = Math.Max(desired, start + 1);
        var floor = Math.Max(start + 1, start + ((desired - start) / 2));

        // At whitespace in the second half of the piece.
        for (var k = desired; k >= floor; k--)
        {
            if (k < text.Length && char.IsWhiteSpace(text[k]))
            {
                return Trim(text, start, k);
            }
        }

        // After a punctuation character in the second half.
        for (var k = desired; k >= floor; k--)
        {
            if (CharRules.IsTokenizerPunctuation(text[k - 1]) && CharRules.IsCuttableBefore(text, k))
            {
                return Trim(text, start, k);
            }
        }

        // Else at a character boundary, at most a few characters back.
        for (var k = desired; k > start && desired - k < MaxCharacterBacktrack; k--)
        {
            if (CharRules.IsCuttableBefore(text, k))
            {
                return Trim(text, start, k);
            }
        }

        // A long cluster of combining marks: keep surrogate pairs whole at least.
        var cut = desired < text.Length && char.IsLowSurrogate(text[desired])
            ? (desired - 1 > start ? desired - 1 : desired + 1)
            : desired;
        return Trim(text, start, cut);
    }

    private static (int End, int Next) Trim(string text, int start, int cut)
    {
        var end = cut;
        while (end > start + 1 && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        var next = cut;
        while (next < text.Length && char.IsWhiteSpace(text[next]))
        {
            next++;
        }

        return (end, next);
    }
}

namespace Sluice.Processing.Internal.Chunking;

/// <summary>
/// Turns sentences into chunk units: a sentence that fits the budget is one unit, a longer one is cut at
/// whitespace into pieces of about equal size, and a whitespace-free run longer than the budget is cut by characters.
/// </summary>
/// <remarks>
/// Every unit's count is the tokenizer's exact count of that unit alone. BERT's basic tokenizer splits at whitespace
/// before word-piece matching, so counts of space-separated words add up to the count of the sentence; that is what
/// lets a long sentence be cut by adding up per-word counts instead of counting ever longer prefixes. Microsoft.ML
/// .Tokenizers 2.0 deletes control characters such as line breaks and tabs instead of treating them as spaces
/// (the words around them merge), so only whitespace that is not a control character separates words here. Each
/// piece is counted once more as a whole to confirm the sum.
/// </remarks>
internal sealed class UnitBuilder(TokenCounter counter, int budget, int target)
{
    /// <summary>Spans longer than this are not counted as a whole: they are all but certain to exceed the budget.</summary>
    private const int WholeCountLimit = 4096;

    private readonly RunSplitter _runSplitter = new(counter, target);

    /// <summary>Builds the units of <paramref name="sentences"/>, in text order.</summary>
    public List<ChunkUnit> Build(string text, List<SentenceSpan> sentences, CancellationToken cancellationToken)
    {
        var units = new List<ChunkUnit>(sentences.Count);
        foreach (var sentence in sentences)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (sentence.End - sentence.Start <= WholeCountLimit)
            {
                var tokens = counter.Count(text, sentence.Start, sentence.End);
                if (tokens <= budget)
                {
                    units.Add(new ChunkUnit(sentence.Start, sentence.End, tokens, IsSentence: true,
                        sentence.StartsParagraph, JoinsPrevious: false));
                    continue;
                }
            }

            SplitLongSentence(text, sentence, units, cancellationToken);
        }

        return units;
    }

    private void SplitLongSentence(
        string text, SentenceSpan sentence, List<ChunkUnit> units, CancellationToken cancellationToken)
    {
        var words = CountWords(text, sentence, cancellationToken);
        var total = 0L;
        var fits = true;
        foreach (var word in words)
        {
            total += Math.Max(word.Tokens, 0);
            fits &= word.Tokens >= 0;
        }

        if (fits && total <= budget)
        {
            // Long in characters but not in word pieces (e.g. words the tokenizer maps to one [UNK] each).
            var exact = counter.Count(text, sentence.Start, sentence.End);
            if (exact <= budget)
            {
                units.Add(new ChunkUnit(sentence.Start, sentence.End, exact, IsSentence: true,
                    sentence.StartsParagraph, JoinsPrevious: false));
                return;
            }
        }

        // Pieces of about equal size rather than full ones and a short rest.
        var pieces = Math.Max(1, (total + target - 1) / target);
        var aim = (int)Math.Min(target, (total + pieces - 1) / pieces);
        var first = units.Count;
        var pieceStart = -1;
        var pieceEnd = 0;
        var pieceTokens = 0;

        foreach (var word in words)
        {
            if (word.Tokens < 0 || word.Tokens > budget)
            {
                Flush();
                _runSplitter.Split(text, word.Start, word.End, sentence.StartsParagraph && units.Count == first, units);
                continue;
            }

            if (pieceStart >= 0 && pieceTokens + word.Tokens > aim)
            {
                Flush();
            }

            if (pieceStart < 0)
            {
                pieceStart = word.Start;
            }

            pieceEnd = word.End;
            pieceTokens += word.Tokens;
        }

        Flush();

        void Flush()
        {
            if (pieceStart < 0)
            {
                return;
            }

            var startsParagraph = sentence.StartsParagraph && units.Count == first;
            var exact = counter.Count(text, pieceStart, pieceEnd);
            if (exact <= budget)
            {
                units.Add(new ChunkUnit(pieceStart, pieceEnd, exact, IsSentence: false, startsParagraph,
                    JoinsPrevious: false));
            }
            else
            {
                // Counts did not add up for this tokenizer: fall back to the character cut, which counts exactly.
                _runSplitter.Split(text, pieceStart, pieceEnd, startsParagraph, units);
            }

            pieceStart = -1;
            pieceTokens = 0;
        }
    }

    /// <summary>The whitespace-separated words of a sentence with their counts; -1 for a run too long to count.</summary>
    private List<ChunkUnit> CountWords(string text, SentenceSpan sentence, CancellationToken cancellationToken)
    {
        var words = new List<ChunkUnit>();
        var i = sentence.Start;
        while (i < sentence.End)
        {
            var start = i;
            i = WordEnd(text, i, sentence.End);

            if ((words.Count & 4095) == 4095)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var tokens = i - start <= WholeCountLimit ? counter.Count(text, start, i) : -1;
            words.Add(new ChunkUnit(start, i, tokens, IsSentence: false, StartsParagraph: false, JoinsPrevious: false));
            while (i < sentence.End && char.IsWhiteSpace(text[i]))
            {
                i++;
            }
        }

        return words;
    }

    /// <summary>
    /// End of the word starting at <paramref name="start"/>: the next whitespace run that holds a separating
    /// character. Runs of control whitespace only (line breaks, tabs) are inside the word, as the tokenizer sees it.
    /// </summary>
    private static int WordEnd(string text, int start, int end)
    {
        var i = start;
        while (i < end)
        {
            if (!char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            var gapEnd = i;
            var separates = false;
            while (gapEnd < end && char.IsWhiteSpace(text[gapEnd]))
            {
                separates |= !char.IsControl(text[gapEnd]);
                gapEnd++;
            }

            if (separates || gapEnd == end)
            {
                return i;
            }

            i = gapEnd;
        }

        return i;
    }
}

namespace Sluice.Processing.Internal.Embeddings;

/// <summary>
/// Turns text into the token ids an uncased BERT model takes: [CLS], the word pieces (greedy longest match first,
/// a word that cannot be matched or is over 100 characters becoming [UNK]), [SEP]; truncated to the model's window.
/// Immutable and thread-safe.
/// </summary>
internal sealed class BertInputEncoder(WordPieceVocabulary vocabulary, int maxSequenceLength)
{
    /// <summary>Longer words are not split but become [UNK], as in the reference tokenizer.</summary>
    private const int MaxCharactersPerWord = 100;

    public WordPieceVocabulary Vocabulary { get; } = vocabulary;

    /// <summary>The window, including [CLS] and [SEP].</summary>
    public int MaxSequenceLength { get; } = maxSequenceLength;

    /// <summary>The encoder for all-MiniLM-L6-v2: its vocabulary and its 256-token window.</summary>
    public static BertInputEncoder ForMiniLm()
    {
        using var vocabulary = MiniLmVocabulary.OpenVocabulary();
        return new BertInputEncoder(WordPieceVocabulary.Read(vocabulary), MiniLmVocabulary.MaxSequenceLength);
    }

    /// <summary>The ids of <paramref name="text"/> with [CLS] and [SEP], at most <see cref="MaxSequenceLength"/> of them.</summary>
    public int[] Encode(string text)
    {
        var maxPieces = MaxSequenceLength - 2;
        var ids = new List<int>(Math.Min(MaxSequenceLength, (text.Length / 3) + 2)) { Vocabulary.Classification };
        foreach (var word in BertBasicTokenizer.Words(text))
        {
            AddWord(word, ids);
            if (ids.Count - 1 >= maxPieces)
            {
                break;
            }
        }

        if (ids.Count - 1 > maxPieces)
        {
            ids.RemoveRange(maxPieces + 1, ids.Count - 1 - maxPieces);
        }

        ids.Add(Vocabulary.Separator);
        return [.. ids];
    }

    /// <summary>Word pieces of <paramref name="text"/> without the special tokens and without truncation.</summary>
    public int CountPieces(string text)
    {
        var ids = new List<int>();
        foreach (var word in BertBasicTokenizer.Words(text))
        {
            AddWord(word, ids);
        }

        return ids.Count;
    }

    private void AddWord(string word, List<int> ids)
    {
        if (word.Length > MaxCharactersPerWord && CodePoints(word) > MaxCharactersPerWord)
        {
            ids.Add(Vocabulary.Unknown);
            return;
        }

        var first = ids.Count;
        var start = 0;
        while (start < word.Length)
        {
            var lookup = start == 0 ? Vocabulary.StartLookup : Vocabulary.ContinuationLookup;
            var end = word.Length;
            var found = -1;
            while (end > start)
            {
                if (lookup.TryGetValue(word.AsSpan(start, end - start), out var id))
                {
                    found = id;
                    break;
                }

                end--;
                if (end > start && char.IsLowSurrogate(word[end]))
                {
                    end--;
                }
            }

            if (found < 0)
            {
                ids.RemoveRange(first, ids.Count - first);
                ids.Add(Vocabulary.Unknown);
                return;
            }

            ids.Add(found);
            start = end;
        }
    }

    private static int CodePoints(string word)
    {
        var count = 0;
        foreach (var c in word)
        {
            if (!char.IsLowSurrogate(c))
            {
                count++;
            }
        }

        return count;
    }
}

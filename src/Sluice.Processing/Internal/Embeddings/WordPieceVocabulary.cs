namespace Sluice.Processing.Internal.Embeddings;

/// <summary>A BERT word-piece vocabulary: one piece a line, the line number is the id; continuations start with ##.</summary>
internal sealed class WordPieceVocabulary
{
    private const string ContinuationPrefix = "##";

    private readonly Dictionary<string, int> _starts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _continuations = new(StringComparer.Ordinal);

    private WordPieceVocabulary(IReadOnlyList<string> pieces)
    {
        Pieces = pieces;
        var id = 0;
        foreach (var piece in pieces)
        {
            if (piece.StartsWith(ContinuationPrefix, StringComparison.Ordinal) && piece.Length > ContinuationPrefix.Length)
            {
                _continuations.TryAdd(piece[ContinuationPrefix.Length..], id);
            }
            else
            {
                _starts.TryAdd(piece, id);
            }

            id++;
        }

        StartLookup = _starts.GetAlternateLookup<ReadOnlySpan<char>>();
        ContinuationLookup = _continuations.GetAlternateLookup<ReadOnlySpan<char>>();
        Padding = SpecialId("[PAD]");
        Unknown = SpecialId("[UNK]");
        Classification = SpecialId("[CLS]");
        Separator = SpecialId("[SEP]");
    }

    /// <summary>The pieces by id, continuations with their ## prefix.</summary>
    public IReadOnlyList<string> Pieces { get; }

    public int Padding { get; }

    public int Unknown { get; }

    public int Classification { get; }

    public int Separator { get; }

    /// <summary>Pieces that may start a word, looked up without allocating.</summary>
    public Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> StartLookup { get; }

    /// <summary>Pieces that continue a word, without their ## prefix.</summary>
    public Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> ContinuationLookup { get; }

    /// <summary>Reads a vocabulary file (UTF-8, one piece a line).</summary>
    public static WordPieceVocabulary Read(Stream stream)
    {
        using var reader = new StreamReader(stream);
        var pieces = new List<string>(32_000);
        while (reader.ReadLine() is { } line)
        {
            pieces.Add(line);
        }

        return new WordPieceVocabulary(pieces);
    }

    private int SpecialId(string token) =>
        _starts.TryGetValue(token, out var id)
            ? id
            : throw new InvalidDataException($"The word-piece vocabulary lacks the special token {token}.");
}

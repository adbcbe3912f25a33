using System.Text;

namespace Sluice.Processing.Tests.Chunking;

/// <summary>Deterministic prose with known sentence and paragraph boundaries.</summary>
internal sealed class SampleText
{
    private static readonly string[] Words =
    [
        "the", "pipeline", "stores", "every", "upload", "before", "text", "is", "extracted", "and", "chunked",
        "embedding", "models", "compare", "meaning", "rather", "than", "spelling", "search", "results", "point",
        "back", "into", "source", "documents", "quarterly", "revenue", "grew", "across", "regions", "while",
        "costs", "remained", "stable", "researchers", "measured", "temperature", "pressure", "volume", "samples",
        "tokenization", "vocabulary", "retrieval", "summaries", "unaffable", "considerably", "notwithstanding",
    ];

    private SampleText(string text, List<(int Start, int End)> sentences, List<(int Start, int End)> paragraphs)
    {
        Text = text;
        Sentences = sentences;
        Paragraphs = paragraphs;
    }

    public string Text { get; }

    /// <summary>Every sentence's span, in order.</summary>
    public IReadOnlyList<(int Start, int End)> Sentences { get; }

    /// <summary>Every paragraph's span, in order.</summary>
    public IReadOnlyList<(int Start, int End)> Paragraphs { get; }

    public ISet<int> SentenceStarts => Sentences.Select(s => s.Start).ToHashSet();

    public ISet<int> SentenceEnds => Sentences.Select(s => s.End).ToHashSet();

    /// <summary>Paragraphs of several sentences of a few to a few dozen words each.</summary>
    public static SampleText Prose(int paragraphs, int seed = 7, int minWords = 4, int maxWords = 18,
        int minSentences = 2, int maxSentences = 9)
    {
        var random = new Random(seed);
        var builder = new StringBuilder();
        var sentences = new List<(int, int)>();
        var paragraphSpans = new List<(int, int)>();
        for (var p = 0; p < paragraphs; p++)
        {
            if (p > 0)
            {
                builder.Append("\n\n");
            }

            var paragraphStart = builder.Length;
            var count = random.Next(minSentences, maxSentences + 1);
            for (var s = 0; s < count; s++)
            {
                if (s > 0)
                {
                    builder.Append(' ');
                }

                var start = builder.Length;
                AppendSentence(builder, random, random.Next(minWords, maxWords + 1));
                sentences.Add((start, builder.Length));
            }

            paragraphSpans.Add((paragraphStart, builder.Length));
        }

        return new SampleText(builder.ToString(), sentences, paragraphSpans);
    }

    /// <summary>One sentence of <paramref name="words"/> words with no sentence punctuation at all.</summary>
    public static string RunOn(int words, int seed = 11)
    {
        var random = new Random(seed);
        var builder = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            if (i > 0)
            {
                builder.Append(i % 17 == 0 ? "\n" : " ");
            }

            builder.Append(Words[random.Next(Words.Length)]);
        }

        return builder.ToString();
    }

    private static void AppendSentence(StringBuilder builder, Random random, int words)
    {
        for (var w = 0; w < words; w++)
        {
            if (w > 0)
            {
                builder.Append(w % 7 == 3 ? ", " : " ");
            }

            var word = Words[random.Next(Words.Length)];
            builder.Append(w == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
        }

        builder.Append(random.Next(10) == 0 ? '?' : '.');
    }
}

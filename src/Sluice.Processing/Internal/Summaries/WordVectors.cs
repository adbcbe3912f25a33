using System.Globalization;
using System.Text;

namespace Sluice.Processing.Internal.Summaries;

/// <summary>
/// Sentence vectors from the words the sentences share, for choosing central sentences without an embedding model: one
/// dimension per content word of the document (lower-cased, plural and verb endings folded, function words left out),
/// 1 when the sentence has it, L2-normalised so that a dot product is the cosine. Within one short document the
/// sentences about its subject repeat its terms, which is what centrality by similarity needs.
/// </summary>
internal static class WordVectors
{
    private static readonly HashSet<string> FunctionWords = new(
        [
            "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being", "between",
            "both", "but", "by", "can", "could", "did", "do", "does", "during", "each", "either", "for", "from", "had", "has",
            "have", "he", "her", "here", "his", "how", "i", "if", "in", "into", "is", "it", "its", "may", "might", "more",
            "most", "much", "must", "no", "nor", "not", "of", "on", "one", "only", "or", "other", "our", "over", "same",
            "she", "should", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they",
            "this", "those", "through", "to", "under", "up", "upon", "us", "very", "was", "we", "were", "what", "when",
            "where", "whether", "which", "while", "who", "whom", "why", "will", "with", "within", "without", "would", "you",
            "your",
        ],
        StringComparer.Ordinal);

    public static float[][] Of(IReadOnlyList<string> sentences)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var words = new List<HashSet<int>>(sentences.Count);
        foreach (var sentence in sentences)
        {
            var present = new HashSet<int>();
            foreach (var word in Words(sentence))
            {
                if (!vocabulary.TryGetValue(word, out var index))
                {
                    vocabulary[word] = index = vocabulary.Count;
                }

                present.Add(index);
            }

            words.Add(present);
        }

        var vectors = new float[sentences.Count][];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = new float[Math.Max(vocabulary.Count, 1)];
            var weight = words[i].Count == 0 ? 0 : 1 / MathF.Sqrt(words[i].Count);
            foreach (var index in words[i])
            {
                vectors[i][index] = weight;
            }
        }

        return vectors;
    }

    private static IEnumerable<string> Words(string sentence)
    {
        var word = new StringBuilder();
        foreach (var c in sentence + " ")
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLower(c, CultureInfo.InvariantCulture));
                continue;
            }

            if (word.Length > 1 && !FunctionWords.Contains(word.ToString()))
            {
                yield return Stem(word.ToString());
            }

            word.Clear();
        }
    }

    /// <summary>Folds the commonest English endings (Porter's first step, roughly): "topics" and "topic" are one word.</summary>
    private static string Stem(string word) => word switch
    {
        { Length: > 4 } when word.EndsWith("ies", StringComparison.Ordinal) => word[..^3] + "y",
        { Length: > 4 } when word.EndsWith("sses", StringComparison.Ordinal) => word[..^2],
        { Length: > 5 } when word.EndsWith("ing", StringComparison.Ordinal) => word[..^3],
        { Length: > 4 } when word.EndsWith("ed", StringComparison.Ordinal) && !word.EndsWith("eed", StringComparison.Ordinal) => word[..^2],
        { Length: > 3 } when word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) && !word.EndsWith("us", StringComparison.Ordinal)
            && !word.EndsWith("is", StringComparison.Ordinal) => word[..^1],
        _ => word,
    };
}

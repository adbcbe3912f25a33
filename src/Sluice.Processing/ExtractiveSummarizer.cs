using System.Numerics.Tensors;
using Sluice.Core.Ports;
using Sluice.Processing.Internal.Chunking;

namespace Sluice.Processing;

/// <summary>
/// A summary without an LLM: the most central sentences of the document, by embedding similarity to the
/// document's centroid, chosen with maximal marginal relevance so they do not repeat each other, and
/// returned in document order.
/// </summary>
public sealed class ExtractiveSummarizer(IEmbedder embedder, ExtractiveSummarizerOptions options) : ISummarizer
{
    private const float Diversity = 0.3f;

    public SummarizerInfo Info { get; } = new("extractive", $"1+{embedder.Info}");

    public async Task<string> SummarizeAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sentences = SentenceSplitter.Split(text, cancellationToken)
            .Select(s => CollapseWhitespace(text[s.Start..s.End]))
            .Where(s => s.Length > 0)
            .ToList();
        var candidates = Candidates(sentences);
        if (candidates.Count == 0)
        {
            // Nothing sentence-like (lists, tables, fragments): the opening of the text is the best we can do.
            return Clip(string.Join(' ', sentences.Take(options.MaxSentences)), options.MaxCharacters);
        }

        if (candidates.Count <= options.MaxSentences)
        {
            return Clip(string.Join(' ', candidates.Select(c => c.Text)), options.MaxCharacters);
        }

        var vectors = await embedder.EmbedAsync([.. candidates.Select(c => c.Text)], cancellationToken);
        var centroid = new float[vectors[0].Length];
        foreach (var vector in vectors)
        {
            TensorPrimitives.Add(centroid, vector, centroid);
        }

        var norm = TensorPrimitives.Norm(centroid);
        if (norm > 0)
        {
            TensorPrimitives.Divide(centroid, norm, centroid);
        }

        var chosen = new List<int>();
        var length = 0;
        while (chosen.Count < options.MaxSentences)
        {
            var best = -1;
            var bestScore = float.NegativeInfinity;
            for (var i = 0; i < candidates.Count; i++)
            {
                if (chosen.Contains(i) || length + candidates[i].Text.Length + 1 > options.MaxCharacters)
                {
                    continue;
                }

                var redundancy = chosen.Count == 0 ? 0 : chosen.Max(j => TensorPrimitives.Dot(vectors[i], vectors[j]));
                var score = ((1 - Diversity) * TensorPrimitives.Dot(vectors[i], centroid)) - (Diversity * redundancy);
                if (score > bestScore)
                {
                    (best, bestScore) = (i, score);
                }
            }

            if (best < 0)
            {
                break;
            }

            chosen.Add(best);
            length += candidates[best].Text.Length + 1;
        }

        return string.Join(' ', chosen.Order().Select(i => candidates[i].Text));
    }

    /// <summary>Sentence-like candidates; for long documents an even sample across the text, in order.</summary>
    private List<(int Position, string Text)> Candidates(List<string> sentences)
    {
        var eligible = sentences
            .Select((text, position) => (Position: position, Text: text))
            .Where(s => WordCount(s.Text) is var words && words >= options.MinWords && words <= options.MaxWords)
            .ToList();
        if (eligible.Count <= options.MaxCandidates)
        {
            return eligible;
        }

        var step = (double)eligible.Count / options.MaxCandidates;
        return [.. Enumerable.Range(0, options.MaxCandidates).Select(i => eligible[(int)(i * step)])];
    }

    /// <summary>Line breaks inside a sentence are layout (PDF lines), not content.</summary>
    private static string CollapseWhitespace(string sentence)
        => string.Join(' ', sentence.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static int WordCount(string sentence) => sentence.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    private static string Clip(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1).TrimEnd(), "…");
}

using System.Numerics.Tensors;
using Sluice.Core.Ports;
using Sluice.Processing.Internal.Chunking;
using Sluice.Processing.Internal.Summaries;

namespace Sluice.Processing;

/// <summary>
/// A summary without an LLM: the most central sentences of the document, by similarity to the document's centroid,
/// chosen with maximal marginal relevance so they do not repeat each other, and returned in document order.
/// Similarity comes from the embedding model for long documents. A short document (at most
/// <see cref="ExtractiveSummarizerOptions.LexicalUpToCandidates"/> candidate sentences) is summarized from the words its
/// sentences share instead: embedding its sentences would cost the model about as much again as its chunks do, while
/// in a few sentences about one subject the central ones share its terms. Each summary says which way it was made.
/// </summary>
public sealed class ExtractiveSummarizer(IEmbedder embedder, ExtractiveSummarizerOptions options) : ISummarizer
{
    private const float Diversity = 0.3f;

    /// <summary>Sentences chosen by similarity from the embedding model (long documents).</summary>
    public SummarizerInfo Info { get; } = new("extractive", $"1+{embedder.Info}");

    /// <summary>Sentences chosen by similarity from the words they share, without the model (short documents).</summary>
    public static SummarizerInfo Lexical { get; } = new("extractive", "1+lexical");

    /// <summary>Nothing to choose: every candidate sentence fits in the summary, or none is sentence-like (the opening).</summary>
    public static SummarizerInfo Verbatim { get; } = new("extractive", "1");

    public async Task<string> SummarizeAsync(string text, CancellationToken cancellationToken = default)
        => (await DraftAsync(text, cancellationToken)).Text;

    public Task<SummaryDraft> DraftAsync(string text, string documentId, CancellationToken cancellationToken = default)
        => DraftAsync(text, cancellationToken);

    private async Task<SummaryDraft> DraftAsync(string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sentences = SentenceSplitter.Split(text, cancellationToken)
            .Select(s => CollapseWhitespace(text[s.Start..s.End]))
            .Where(s => s.Length > 0)
            .ToList();
        var eligible = Eligible(sentences);
        if (eligible.Count == 0)
        {
            // Nothing sentence-like (lists, tables, fragments): the opening of the text is the best we can do.
            return new(Clip(string.Join(' ', sentences.Take(options.MaxSentences)), options.MaxCharacters), Verbatim);
        }

        if (eligible.Count <= options.MaxSentences)
        {
            return new(Clip(string.Join(' ', eligible), options.MaxCharacters), Verbatim);
        }

        if (eligible.Count <= (options.LexicalUpToCandidates ?? options.MaxCandidates))
        {
            return new(Choose(eligible, WordVectors.Of(eligible)), Lexical);
        }

        var candidates = Sample(eligible);
        var vectors = await embedder.EmbedAsync(candidates, cancellationToken);
        return new(Choose(candidates, vectors), Info);
    }

    /// <summary>Up to <see cref="ExtractiveSummarizerOptions.MaxSentences"/> central, mutually different candidates, in document order.</summary>
    private string Choose(List<string> candidates, IReadOnlyList<float[]> vectors)
    {
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
                if (chosen.Contains(i) || length + candidates[i].Length + 1 > options.MaxCharacters)
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
            length += candidates[best].Length + 1;
        }

        return string.Join(' ', chosen.Order().Select(i => candidates[i]));
    }

    /// <summary>Sentence-like sentences, in order: neither fragments nor run-on text.</summary>
    private List<string> Eligible(List<string> sentences)
        => [.. sentences.Where(s => WordCount(s) is var words && words >= options.MinWords && words <= options.MaxWords)];

    /// <summary>What the model embeds: all candidates, or for long documents an even sample across the text, in order.</summary>
    private List<string> Sample(List<string> eligible)
    {
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

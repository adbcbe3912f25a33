using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing;

/// <summary>Limits of the extractive summary.</summary>
public sealed class ExtractiveSummarizerOptions
{
    public const string SectionName = "Summaries";

    /// <summary>Most sentences in a summary.</summary>
    [Range(1, 50)]
    public int MaxSentences { get; set; } = 5;

    /// <summary>Most characters in a summary (a sentence that would cross it is left out).</summary>
    [Range(100, 20_000)]
    public int MaxCharacters { get; set; } = 1200;

    /// <summary>Most sentences embedded per document: bounds the cost of summarising long documents.</summary>
    [Range(5, 2000)]
    public int MaxCandidates { get; set; } = 16;

    /// <summary>
    /// Documents with at most this many candidate sentences are summarized from the words their sentences share, without
    /// the embedding model; longer ones with the model. Unset, <see cref="MaxCandidates"/>: up to there the model would
    /// embed every sentence, which for a document of one or two chunks costs about as much again as embedding the
    /// document; beyond it the model sees a sample of bounded cost. 0 uses the model for every document that has more
    /// than <see cref="MaxSentences"/> candidates.
    /// </summary>
    [Range(0, 2000)]
    public int? LexicalUpToCandidates { get; set; }

    /// <summary>Sentences shorter than this many words are not candidates (headings, fragments).</summary>
    [Range(1, 100)]
    public int MinWords { get; set; } = 5;

    /// <summary>Sentences longer than this many words are not candidates (run-on text, tables).</summary>
    [Range(10, 1000)]
    public int MaxWords { get; set; } = 80;
}

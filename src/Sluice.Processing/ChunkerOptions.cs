using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing;

/// <summary>How <see cref="TextChunker"/> sizes chunks, in word pieces of the embedding model's tokenizer.</summary>
public sealed class ChunkerOptions : IValidatableObject
{
    /// <summary>Configuration section these options bind from.</summary>
    public const string SectionName = "Chunking";

    /// <summary>
    /// The model's window, including the [CLS] and [SEP] tokens, so a chunk holds at most
    /// <c>MaxTokens - 2</c> word pieces of text. 256 for all-MiniLM-L6-v2; BERT models cannot exceed 512.
    /// </summary>
    [Range(3, 512)]
    public int MaxTokens { get; set; } = MiniLmVocabulary.MaxSequenceLength;

    /// <summary>
    /// Size a chunk aims for. Below the maximum so that a chunk can still take a whole sentence (or the overlap)
    /// instead of cutting it, and so that the model sees some context margin.
    /// </summary>
    [Range(1, 510)]
    public int TargetTokens { get; set; } = 200;

    /// <summary>
    /// At most this many word pieces of whole sentences from the end of a chunk are repeated at the start of the
    /// next, so that a statement spanning a boundary is still found by search. About a fifth of the target.
    /// </summary>
    [Range(0, 255)]
    public int OverlapTokens { get; set; } = 40;

    /// <summary>
    /// Most chunks in one <c>chunks.created</c> event. A document cut into more chunks travels as several batches, each an
    /// event of its own keyed by document and batch: they spread over the partitions, so several embed workers share one
    /// large document, its progress moves batch by batch, and a worker that dies loses one batch, not the document. A
    /// document of at most this many chunks travels in one event exactly as before. 256 chunks are a few seconds of
    /// embedding on one CPU core: long enough that the per-event overhead is negligible, short enough to spread.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int BatchChunks { get; set; } = 256;

    /// <summary>Word pieces of text a chunk may hold: the window less [CLS] and [SEP].</summary>
    public int MaxContentTokens => MaxTokens - MiniLmVocabulary.SpecialTokenCount;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TargetTokens > MaxContentTokens)
        {
            yield return new ValidationResult(
                $"{nameof(TargetTokens)} ({TargetTokens}) must not exceed {nameof(MaxTokens)} - 2 ({MaxContentTokens}).",
                [nameof(TargetTokens), nameof(MaxTokens)]);
        }

        if (OverlapTokens * 2 > TargetTokens)
        {
            yield return new ValidationResult(
                $"{nameof(OverlapTokens)} ({OverlapTokens}) must be at most half of {nameof(TargetTokens)} ({TargetTokens}).",
                [nameof(OverlapTokens), nameof(TargetTokens)]);
        }
    }
}

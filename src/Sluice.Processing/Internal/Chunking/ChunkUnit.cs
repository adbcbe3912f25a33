namespace Sluice.Processing.Internal.Chunking;

/// <summary>
/// The smallest piece the packer places into chunks: a whole sentence, or a piece of a sentence that is
/// larger than a chunk may be.
/// </summary>
/// <param name="Start">First character (inclusive).</param>
/// <param name="End">End (exclusive).</param>
/// <param name="Tokens">Exact word-piece count of the unit's text alone.</param>
/// <param name="IsSentence">Whether the unit is a whole sentence (only those are repeated as overlap).</param>
/// <param name="StartsParagraph">Whether a blank line precedes it.</param>
/// <param name="JoinsPrevious">
/// Whether it continues the previous unit without whitespace between (a run cut by characters). Word-piece counts
/// do not add up across such a cut, so the two never share a chunk.
/// </param>
internal readonly record struct ChunkUnit(
    int Start, int End, int Tokens, bool IsSentence, bool StartsParagraph, bool JoinsPrevious);

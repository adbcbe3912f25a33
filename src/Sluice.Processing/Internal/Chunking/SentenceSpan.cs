namespace Sluice.Processing.Internal.Chunking;

/// <summary>A sentence (or heading, or list item) of the input: trimmed, never empty.</summary>
/// <param name="Start">First character (inclusive).</param>
/// <param name="End">End (exclusive).</param>
/// <param name="StartsParagraph">Whether a blank line (or the start of the text) precedes it.</param>
internal readonly record struct SentenceSpan(int Start, int End, bool StartsParagraph);

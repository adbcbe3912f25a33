namespace Sluice.Processing;

/// <summary>One chunk of a document's text, as cut by <see cref="TextChunker"/>.</summary>
/// <param name="Index">0-based position among the document's chunks, dense.</param>
/// <param name="Text">The chunk's text: exactly <c>text.Substring(Start, End - Start)</c> of the input.</param>
/// <param name="Start">Start offset in the input (UTF-16 code units, inclusive).</param>
/// <param name="End">End offset in the input (UTF-16 code units, exclusive).</param>
/// <param name="Page">1-based page that contains <paramref name="Start"/>, when page starts were given.</param>
/// <param name="Tokens">Exact word-piece count of <paramref name="Text"/>, without special tokens.</param>
public sealed record TextChunk(int Index, string Text, int Start, int End, int? Page, int Tokens);

namespace Sluice.Processing.Internal.Chunking;

/// <summary>Counts word pieces of a span of text, without the [CLS] and [SEP] special tokens.</summary>
internal sealed class TokenCounter(Func<string, int> countPieces)
{
    /// <summary>The exact count the tokenizer gives for <paramref name="text"/> alone.</summary>
    public int Count(ReadOnlySpan<char> text) => text.IsEmpty ? 0 : countPieces(text.ToString());

    /// <summary>The count for <c>text[start..end]</c>.</summary>
    public int Count(string text, int start, int end) => Count(text.AsSpan(start, end - start));
}

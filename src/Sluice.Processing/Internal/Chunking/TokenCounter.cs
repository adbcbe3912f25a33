using Microsoft.ML.Tokenizers;

namespace Sluice.Processing.Internal.Chunking;

/// <summary>Counts word pieces of a span of text, without the [CLS] and [SEP] special tokens.</summary>
internal sealed class TokenCounter(BertTokenizer tokenizer)
{
    /// <summary>The exact count the tokenizer gives for <paramref name="text"/> alone.</summary>
    public int Count(ReadOnlySpan<char> text) =>
        text.IsEmpty ? 0 : tokenizer.CountTokens(text, considerPreTokenization: true, considerNormalization: true);

    /// <summary>The count for <c>text[start..end]</c>.</summary>
    public int Count(string text, int start, int end) => Count(text.AsSpan(start, end - start));
}

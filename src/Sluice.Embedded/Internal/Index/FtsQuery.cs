using Sluice.Core.Search;

namespace Sluice.Embedded.Internal.Index;

/// <summary>
/// Turns user text into an FTS5 query that cannot be a syntax error: each word of <see cref="KeywordTerms"/> becomes a
/// quoted string, and the words are OR-ed so BM25 ranks chunks with more (and rarer) of them higher. FTS5 operators in
/// the text (<c>NEAR</c>, <c>AND</c>, <c>-</c>, <c>*</c>, <c>:</c>, quotes, parentheses) are either separators or plain
/// quoted words.
/// </summary>
internal static class FtsQuery
{
    /// <summary>The MATCH expression, or null when the text has no words.</summary>
    public static string? Build(string? text)
    {
        var terms = KeywordTerms.Extract(text);
        return terms.Count == 0 ? null : string.Join(" OR ", terms.Select(t => $"\"{t.Replace("\"", "\"\"", StringComparison.Ordinal)}\""));
    }
}

using System.Globalization;
using System.Text;

namespace Sluice.Embedded.Internal.Index;

/// <summary>
/// Turns user text into an FTS5 query that cannot be a syntax error: the text is split into words (letters,
/// digits and combining marks, as the unicode61 tokenizer sees them), each word becomes a quoted string, and
/// the words are OR-ed so BM25 ranks chunks with more (and rarer) of them higher. FTS5 operators in the
/// text (<c>NEAR</c>, <c>AND</c>, <c>-</c>, <c>*</c>, <c>:</c>, quotes, parentheses) are either separators or
/// plain quoted words. Common English function words (<c>the</c>, <c>of</c>…) are left out when the text has
/// other words: they match nearly every chunk, so they would cost a BM25 evaluation per chunk while adding
/// almost nothing to the ranking (their inverse document frequency is close to zero).
/// </summary>
internal static class FtsQuery
{
    /// <summary>Longest query used; further words are ignored.</summary>
    public const int MaxTerms = 64;

    private static readonly HashSet<string> StopWords = new(
        [
            "a", "an", "and", "are", "as", "at", "be", "but", "by", "do", "does", "for", "from", "had", "has", "have",
            "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "so", "than",
            "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "was", "we", "were",
            "what", "when", "where", "which", "who", "why", "will", "with", "you", "your",
        ],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>The MATCH expression, or null when the text has no words.</summary>
    public static string? Build(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var terms = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var word = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsWordRune(rune))
            {
                word.Append(rune.ToString());
                continue;
            }

            Add(word, terms, seen);
        }

        Add(word, terms, seen);
        if (terms.Exists(t => !StopWords.Contains(t)))
        {
            terms.RemoveAll(StopWords.Contains);
        }

        return terms.Count == 0 ? null : string.Join(" OR ", terms.Take(MaxTerms).Select(t => $"\"{t.Replace("\"", "\"\"", StringComparison.Ordinal)}\""));
    }

    private static void Add(StringBuilder word, List<string> terms, HashSet<string> seen)
    {
        if (word.Length == 0)
        {
            return;
        }

        var term = word.ToString();
        word.Clear();
        if (seen.Add(term))
        {
            terms.Add(term);
        }
    }

    private static bool IsWordRune(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.PrivateUse => true,
        _ => false,
    };
}

using System.Globalization;
using System.Text;

namespace Sluice.Core.Search;

/// <summary>
/// The words of a keyword query, as every search index reads them: the text is split into words (letters, digits and
/// combining marks, as SQLite's unicode61 tokenizer sees them; everything else, query operators included, separates
/// words), duplicates (ignoring case) are dropped, and common English function words (<c>the</c>, <c>of</c>…) are left
/// out when the text has other words: they match nearly every chunk, so they would cost a ranking evaluation per chunk
/// while adding almost nothing to the ranking. An index matches chunks holding any of the words (OR), so a chunk with
/// more of them ranks higher. The words are data for the index's own query builder, never query syntax.
/// </summary>
public static class KeywordTerms
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

    /// <summary>The query's words, in order of first appearance; empty when the text has none.</summary>
    public static IReadOnlyList<string> Extract(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
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

        return terms.Count > MaxTerms ? terms[..MaxTerms] : terms;
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

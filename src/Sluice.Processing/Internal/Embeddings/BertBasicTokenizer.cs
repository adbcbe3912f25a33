using System.Globalization;
using System.Text;

namespace Sluice.Processing.Internal.Embeddings;

/// <summary>
/// The "basic" step of the uncased BERT tokenizer, in front of word-piece matching: removes control and invalid
/// characters, separates words at any whitespace, isolates CJK ideographs, lower-cases, strips accents and makes
/// every punctuation character (Unicode P* and all ASCII symbols such as <c>$ + = &lt; &gt; | ~ ^ `</c>) a word
/// of its own.
/// </summary>
/// <remarks>
/// Follows the reference BERT normaliser and pre-tokenizer, with one deliberate difference: whitespace control
/// characters the reference deletes (vertical tab, form feed, U+0085) separate words here instead of joining them.
/// </remarks>
internal static class BertBasicTokenizer
{
    /// <summary>The words of <paramref name="text"/>, in order; enumerate only as far as needed.</summary>
    public static IEnumerable<string> Words(string text)
    {
        var normalized = Normalize(text);
        var wordStart = -1;
        var i = 0;
        while (i < normalized.Length)
        {
            Rune.DecodeFromUtf16(normalized.AsSpan(i), out var rune, out var length);
            if (rune.Value == ' ' || IsPunctuation(rune))
            {
                if (wordStart >= 0)
                {
                    yield return normalized[wordStart..i];
                    wordStart = -1;
                }

                if (rune.Value != ' ')
                {
                    yield return normalized.Substring(i, length);
                }
            }
            else if (wordStart < 0)
            {
                wordStart = i;
            }

            i += length;
        }

        if (wordStart >= 0)
        {
            yield return normalized[wordStart..];
        }
    }

    /// <summary>
    /// Cleans and lower-cases <paramref name="text"/>, strips accents, turns whitespace into single spaces and
    /// surrounds CJK ideographs by spaces.
    /// </summary>
    internal static string Normalize(string text)
    {
        var cleaned = new StringBuilder(text.Length + 8);
        var i = 0;
        while (i < text.Length)
        {
            // An unpaired surrogate decodes as U+FFFD and is dropped with the other invalid characters.
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var length);
            i += length;
            if (Rune.IsWhiteSpace(rune))
            {
                cleaned.Append(' ');
            }
            else if (IsCjkIdeograph(rune.Value))
            {
                AppendRune(cleaned.Append(' '), rune).Append(' ');
            }
            else if (!IsRemoved(rune))
            {
                AppendRune(cleaned, rune);
            }
        }

        var decomposed = cleaned.ToString().ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var result = new StringBuilder(decomposed.Length);
        foreach (var rune in decomposed.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
            {
                AppendRune(result, rune);
            }
        }

        return result.ToString();
    }

    private static StringBuilder AppendRune(StringBuilder builder, Rune rune) =>
        rune.IsBmp ? builder.Append((char)rune.Value) : builder.Append(rune.ToString());

    /// <summary>NUL, U+FFFD and "other" characters (control, format, private use, unassigned) are dropped.</summary>
    private static bool IsRemoved(Rune rune) =>
        rune.Value is 0 or 0xFFFD
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate;

    /// <summary>ASCII non-alphanumeric printable characters and the Unicode punctuation categories.</summary>
    internal static bool IsPunctuation(Rune rune)
    {
        var value = rune.Value;
        if (value is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>The CJK Unified Ideographs blocks, as the reference tokenizer defines them (not Hangul or kana).</summary>
    private static bool IsCjkIdeograph(int value) =>
        value is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF)
            or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF)
            or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}

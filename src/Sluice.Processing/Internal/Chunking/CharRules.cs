using System.Buffers;
using System.Globalization;
using System.Text;

namespace Sluice.Processing.Internal.Chunking;

/// <summary>Character classes the sentence splitter and the run splitter decide on.</summary>
internal static class CharRules
{
    private static readonly SearchValues<char> Terminals = SearchValues.Create(".!?\u2026\u203C\u2047\u2048\u2049\uFF0E\u3002\uFF01\uFF1F\uFF61");
    private static readonly SearchValues<char> CjkTerminals = SearchValues.Create("\u3002\uFF01\uFF1F\uFF61");
    private static readonly SearchValues<char> Closers = SearchValues.Create("\"')]}\u00BB\u2019\u201D\u203A\u300D\u300F\u3011\uFF09\uFF3D");
    private static readonly SearchValues<char> Openers = SearchValues.Create("\"'([{\u00AB\u00BF\u00A1\u2018\u201C\u201E\u2039\u300C\u300E\u3010\uFF08\uFF3B");
    private static readonly SearchValues<char> RomanDigits = SearchValues.Create("ivxIVX");
    private static readonly SearchValues<char> Bullets = SearchValues.Create("-*+\u2022\u2023\u2043\u2013\u2014\u00B7\u25AA\u25AB\u25CF\u25CB\u25A0\u25A1\u25E6");

    /// <summary>Sentence-ending punctuation: . ! ? the ellipsis, and their full-width and CJK forms.</summary>
    public static bool IsTerminal(char c) => Terminals.Contains(c);

    /// <summary>CJK sentence ends, which need no whitespace after them.</summary>
    public static bool IsCjkTerminal(char c) => CjkTerminals.Contains(c);

    /// <summary>Closing quotes and brackets that stay with the sentence they end.</summary>
    public static bool IsCloser(char c) => Closers.Contains(c);

    /// <summary>Opening quotes and brackets (and ¿ ¡) that may start a sentence.</summary>
    public static bool IsOpener(char c) => Openers.Contains(c);

    /// <summary>
    /// Whether the character at <paramref name="index"/> may start a sentence: an upper-case or caseless letter,
    /// a digit, an opening quote or bracket, or a list bullet.
    /// </summary>
    public static bool CanStartSentence(string text, int index)
    {
        var c = text[index];
        if (IsOpener(c) || Bullets.Contains(c) || c == '#')
        {
            return true;
        }

        if (Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out _) != OperationStatus.Done)
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber;
    }

    /// <summary>
    /// Whether a list item starts at <paramref name="index"/>: a bullet, <c>1.</c>, <c>a)</c> or <c>(iv)</c>
    /// followed by whitespace.
    /// </summary>
    public static bool StartsListItem(string text, int index)
    {
        if (Bullets.Contains(text[index]))
        {
            return index + 1 < text.Length && char.IsWhiteSpace(text[index + 1]);
        }

        var i = index;
        if (text[i] == '(')
        {
            i++;
        }

        var labelStart = i;
        while (i < text.Length && i - labelStart < 4 && char.IsAsciiLetterOrDigit(text[i]))
        {
            i++;
        }

        var labelLength = i - labelStart;
        var isLabel = labelLength > 0 && (labelLength == 1 || IsAllDigits(text.AsSpan(labelStart, labelLength))
            || IsRomanNumeral(text.AsSpan(labelStart, labelLength)));
        return isLabel && i + 1 < text.Length && (text[i] == ')' || (text[i] == '.' && text[index] != '('))
            && char.IsWhiteSpace(text[i + 1]);
    }

    /// <summary>Whether every character is an ASCII digit (and there is at least one).</summary>
    public static bool IsAllDigits(ReadOnlySpan<char> text) => !text.IsEmpty && !text.ContainsAnyExceptInRange('0', '9');

    /// <summary>
    /// Punctuation as BERT's basic tokenizer sees it: every printable non-alphanumeric ASCII character and the
    /// Unicode punctuation classes. A cut right after one starts a new pre-token.
    /// </summary>
    public static bool IsTokenizerPunctuation(char c) =>
        c < 128 ? c > ' ' && c != 127 && !char.IsAsciiLetterOrDigit(c) : char.IsPunctuation(c);

    /// <summary>
    /// Whether text can be cut before <paramref name="index"/> without splitting a surrogate pair or separating a
    /// combining mark, variation selector, emoji modifier or zero-width joiner from what it attaches to.
    /// </summary>
    public static bool IsCuttableBefore(string text, int index)
    {
        if (index <= 0 || index >= text.Length)
        {
            return true;
        }

        if (char.IsLowSurrogate(text[index]) || text[index - 1] == '\u200D')
        {
            return false;
        }

        if (Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out _) != OperationStatus.Done)
        {
            return true;
        }

        var value = rune.Value;
        var isExtender = value is 0x200D or (>= 0xFE00 and <= 0xFE0F) or (>= 0x1F3FB and <= 0x1F3FF)
            or (>= 0xE0020 and <= 0xE007F) or (>= 0xE0100 and <= 0xE01EF);
        return !isExtender && Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark);
    }

    private static bool IsRomanNumeral(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(RomanDigits);
}

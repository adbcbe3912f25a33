using System.Collections.Frozen;

namespace Sluice.Processing.Internal.Chunking;

/// <summary>Decides whether a full stop ends an abbreviation, an initial or a list number rather than a sentence.</summary>
internal static class Abbreviations
{
    private const int MaxWordLength = 32;

    // Abbreviations that are followed by a name, a number or a reference, hardly ever by the end of a sentence.
    // Those that often end a sentence ("etc.", "Inc.", "Jr.") are left out: before a lower-case word they do not
    // end it anyway, and before an upper-case one they usually do.
    private static readonly FrozenSet<string> Always = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
    [
        "mr", "mrs", "ms", "dr", "prof", "rev", "hon", "gen", "col", "lt", "capt", "sgt", "st", "mt",
        "fig", "figs", "eq", "eqs", "cf", "vs", "al", "approx", "ca", "viz", "resp", "dept",
    ]);

    // Abbreviations that precede a number: "No. 5", "p. 12", "Vol. 3".
    private static readonly FrozenSet<string> BeforeNumber = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
    [
        "no", "nos", "nr", "p", "pp", "vol", "art", "ch", "sec", "ref", "refs",
    ]);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> AlwaysLookup =
        Always.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> BeforeNumberLookup =
        BeforeNumber.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// Whether the full stop at <paramref name="dot"/> belongs to the word before it, so that no sentence ends there
    /// although <paramref name="next"/> (the next non-whitespace character) could start one.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="dot">Index of the full stop.</param>
    /// <param name="lineStart">Where the line containing the full stop starts.</param>
    /// <param name="next">Index of the next non-whitespace character.</param>
    public static bool IsNonTerminalDot(string text, int dot, int lineStart, int next)
    {
        var wordStart = dot;
        while (wordStart > 0 && dot - wordStart < MaxWordLength && !char.IsWhiteSpace(text[wordStart - 1])
            && !CharRules.IsOpener(text[wordStart - 1]))
        {
            wordStart--;
        }

        var word = text.AsSpan(wordStart, dot - wordStart);
        if (word.IsEmpty)
        {
            return false;
        }

        // Initials: "J. R. R. Tolkien".
        if (word.Length == 1 && char.IsUpper(word[0]))
        {
            return true;
        }

        // Numbered list items at the start of a line: "1. Introduction".
        if (wordStart == lineStart && word.Length <= 3 && CharRules.IsAllDigits(word))
        {
            return true;
        }

        return IsDotted(word) || AlwaysLookup.Contains(word)
            || (char.IsDigit(text[next]) && BeforeNumberLookup.Contains(word));
    }

    // Single letters joined by full stops: "e.g", "i.e", "U.S", "a.m".
    private static bool IsDotted(ReadOnlySpan<char> word)
    {
        if (word.Length < 3)
        {
            return false;
        }

        for (var i = 0; i < word.Length; i++)
        {
            var ok = i % 2 == 0 ? char.IsLetter(word[i]) : word[i] == '.';
            if (!ok)
            {
                return false;
            }
        }

        return word.Length % 2 == 1;
    }
}

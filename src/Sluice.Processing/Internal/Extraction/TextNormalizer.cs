using System.Text;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>
/// Normalises extracted text: control characters other than tab, LF and FF removed, CRLF and CR
/// turned into LF, trailing spaces and tabs of lines dropped, at most two blank lines in a row, trimmed.
/// Applying it twice changes nothing.
/// </summary>
internal static class TextNormalizer
{
    private const int MaxConsecutiveNewlines = 3;

    public static string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        var newlines = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                continue;
            }

            if (c is '\r' or '\u2028' or '\u2029' or '\u0085')
            {
                c = '\n';
            }

            if (ContentSigns.IsUnwantedControl(c))
            {
                continue;
            }

            if (c != '\n')
            {
                newlines = 0;
                sb.Append(c);
                continue;
            }

            while (sb.Length > 0 && sb[^1] is ' ' or '\t')
            {
                sb.Length--;
            }

            if (newlines < MaxConsecutiveNewlines)
            {
                sb.Append('\n');
            }

            newlines++;
        }

        return sb.ToString().Trim();
    }
}

using System.Globalization;
using System.Text;

namespace Sluice.Server.Ingestion;

/// <summary>Turns a client-supplied file name into a safe display name. Storage never uses it as a path.</summary>
/// <remarks>
/// Besides path separators, control and reserved characters, invisible format characters (Unicode category Cf:
/// bidirectional overrides and isolates, zero-width characters, byte order marks, tag characters) are removed:
/// <c>invoice\u202Efdp.exe</c> would otherwise be shown as <c>invoiceexe.pdf</c>.
/// </remarks>
public static class FileNames
{
    public const int MaxLength = 255;

    public static string Sanitize(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "upload";
        }

        // Keep only the last path segment, whichever separator the client used.
        var last = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? string.Empty;
        var builder = new StringBuilder(last.Length);
        foreach (var rune in last.EnumerateRunes())
        {
            if (!Rune.IsControl(rune) && Rune.GetUnicodeCategory(rune) != UnicodeCategory.Format
                && rune.Value is not ('"' or '<' or '>' or '|' or ':' or '*' or '?'))
            {
                builder.Append(rune);
            }
        }

        var clean = builder.ToString().Trim().Trim('.').Trim();
        if (clean.Length > MaxLength)
        {
            var extension = Path.GetExtension(clean);
            clean = extension.Length is > 0 and <= 16
                ? string.Concat(clean.AsSpan(0, MaxLength - extension.Length), extension)
                : clean[..MaxLength];
        }

        return clean.Length == 0 ? "upload" : clean;
    }
}

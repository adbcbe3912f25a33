using System.Text;

namespace Sluice.Server.Ingestion;

/// <summary>Turns a client-supplied file name into a safe display name. Storage never uses it as a path.</summary>
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
        foreach (var c in last)
        {
            if (!char.IsControl(c) && c is not ('"' or '<' or '>' or '|' or ':' or '*' or '?'))
            {
                builder.Append(c);
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

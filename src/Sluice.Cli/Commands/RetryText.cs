using System.Globalization;
using Sluice.Server.Api;

namespace Sluice.Cli.Commands;

/// <summary>How the CLI tells that a stage waits to retry: when, which attempt comes next, and why the last one failed.</summary>
internal static class RetryText
{
    private const int MaxErrorLength = 160;

    /// <summary>The stages of <paramref name="document"/> that wait to retry, each as one line, earliest first.</summary>
    public static IEnumerable<string> Lines(DocumentResponse document, DateTimeOffset now)
        => document.Stages
            .Where(s => s.Value.Status == "retrying")
            .OrderBy(s => s.Value.NextAttemptAt ?? DateTimeOffset.MaxValue)
            .Select(s => Line(s.Key, s.Value, now));

    /// <summary>
    /// <c>summarize: retrying at 12:03:10 UTC, in 9m 50s (attempt 2; the LLM failed: ... 429 Too Many Requests)</c>.
    /// </summary>
    public static string Line(string stage, StageResponse view, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(view);
        var when = view.NextAttemptAt is { } next ? $" at {At(next, now)}, {Until(next - now)}" : string.Empty;
        var error = string.IsNullOrWhiteSpace(view.Error) ? string.Empty : $"; {Shorten(view.Error)}";
        return $"{stage}: retrying{when} (attempt {(view.Attempts + 1).ToString(CultureInfo.InvariantCulture)}{error})";
    }

    /// <summary>The time in UTC, with the date when it is not today's.</summary>
    private static string At(DateTimeOffset next, DateTimeOffset now)
    {
        var utc = next.ToUniversalTime();
        var format = utc.Date == now.ToUniversalTime().Date ? "HH:mm:ss" : "yyyy-MM-dd HH:mm:ss";
        return utc.ToString(format, CultureInfo.InvariantCulture) + " UTC";
    }

    private static string Until(TimeSpan wait)
    {
        if (wait <= TimeSpan.Zero)
        {
            return "due now";
        }

        var seconds = (long)Math.Ceiling(wait.TotalSeconds);
        return seconds switch
        {
            < 60 => $"in {seconds}s",
            < 3600 => $"in {seconds / 60}m {seconds % 60:00}s",
            _ => $"in {seconds / 3600}h {seconds % 3600 / 60:00}m",
        };
    }

    /// <summary>The first line of the error, cut to a readable length.</summary>
    private static string Shorten(string error)
    {
        var line = error.Split('\n', 2)[0].Trim();
        return line.Length <= MaxErrorLength ? line : line[..(MaxErrorLength - 1)].TrimEnd() + "…";
    }
}

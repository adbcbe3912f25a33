using System.Globalization;
using Sluice.Cli.Client;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Sluice.Cli.Commands;

/// <summary>
/// How <c>sluice top</c> draws one <see cref="PipelineSnapshot"/>: a line saying when and where from, a table of the
/// stages (throughput, running, lag, oldest age, retries waiting, dead letters), the documents by state, and the
/// documents in progress. Pure: the same snapshot always draws the same, so it is tested on a test console.
/// </summary>
internal static class TopView
{
    /// <summary>How many documents in progress are listed; the rest are counted.</summary>
    public const int MaxInProgress = 15;

    /// <param name="snapshot">What the server answered.</param>
    /// <param name="server">Where it came from.</param>
    /// <param name="footer">A line under the view (how to quit, or why the last refresh failed), markup allowed.</param>
    public static IRenderable Render(PipelineSnapshot snapshot, Uri server, string? footer = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var parts = new List<IRenderable>
        {
            new Markup(
                $"[bold]Sluice pipeline[/] at {Markup.Escape(server.ToString())}  " +
                $"{snapshot.At.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC, " +
                $"rates over {Number(snapshot.IntervalSeconds)}s"),
            Stages(snapshot),
            Documents(snapshot),
            InProgress(snapshot),
        };
        if (footer is not null)
        {
            parts.Add(new Markup(footer));
        }

        return new Rows(parts);
    }

    private static Table Stages(PipelineSnapshot snapshot)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Stages")
            .AddColumn("Stage")
            .AddColumn(new TableColumn("Throughput/s").RightAligned())
            .AddColumn(new TableColumn("Running").RightAligned())
            .AddColumn(new TableColumn("Lag").RightAligned())
            .AddColumn(new TableColumn("Oldest").RightAligned())
            .AddColumn(new TableColumn("Retries waiting").RightAligned())
            .AddColumn(new TableColumn("Dead letters").RightAligned());
        foreach (var stage in snapshot.Stages)
        {
            var retries = stage.RetryWaiting ?? [];
            var waiting = retries.Values.Sum();
            var tiers = waiting == 0 ? string.Empty : $" ({string.Join(", ", retries.Where(t => t.Value > 0).Select(t => $"{t.Key}: {Count(t.Value)}"))})";
            table.AddRow(
                Markup.Escape(stage.Stage),
                Number(stage.ThroughputPerSecond),
                Count(stage.Running),
                Flag(Count(stage.Lag), stage.Lag > 0 ? "yellow" : null),
                stage.OldestAgeSeconds is { } age ? Age(age) : "-",
                Flag(Count(waiting) + tiers, waiting > 0 ? "yellow" : null),
                Flag(Count(stage.DeadLetters), stage.DeadLetters > 0 ? "red" : null));
        }

        if (snapshot.Stages.Count == 0)
        {
            table.AddRow("[dim]no stage reported[/]", string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty);
        }

        return table;
    }

    private static Markup Documents(PipelineSnapshot snapshot)
    {
        var states = snapshot.Documents.Select(d => $"{Markup.Escape(StateName(d.Key))} [bold]{Count(d.Value)}[/]");
        return new Markup($"Documents: {string.Join("  ", states)}");
    }

    private static IRenderable InProgress(PipelineSnapshot snapshot)
    {
        if (snapshot.InProgress.Count == 0)
        {
            return new Markup("[dim]No document in progress.[/]");
        }

        var table = new Table().Border(TableBorder.Rounded).Title("In progress")
            .AddColumn(new TableColumn("Document").NoWrap())
            .AddColumn("Tenant")
            .AddColumn("State")
            .AddColumn("Stage")
            .AddColumn(new TableColumn("Progress").RightAligned())
            .AddColumn(new TableColumn("Estimate").RightAligned());
        foreach (var document in snapshot.InProgress.Take(MaxInProgress))
        {
            table.AddRow(
                Markup.Escape(document.FileName is { Length: > 0 } name ? $"{name} ({document.Id})" : document.Id),
                Markup.Escape(document.Tenant),
                Markup.Escape(StateName(document.State)),
                Markup.Escape(document.Stage ?? "-"),
                document.Progress is { } progress ? (progress * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "-",
                document.EstimatedCompletionAt is { } at ? Estimate(at - snapshot.At) : "-");
        }

        if (snapshot.InProgress.Count > MaxInProgress)
        {
            table.Caption($"and {Count(snapshot.InProgress.Count - MaxInProgress)} more");
        }

        return table;
    }

    /// <summary><c>deadLettered</c> or <c>dead_lettered</c> as <c>dead-lettered</c>: how the CLI names states.</summary>
    private static string StateName(string state)
    {
        var words = new System.Text.StringBuilder();
        foreach (var c in state)
        {
            if (c is '_' or ' ')
            {
                words.Append('-');
            }
            else if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append('-').Append(char.ToLowerInvariant(c));
            }
            else
            {
                words.Append(c);
            }
        }

        return words.ToString();
    }

    private static string Flag(string text, string? color) => color is null ? Markup.Escape(text) : $"[{color}]{Markup.Escape(text)}[/]";

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Two significant decimals where they matter (0.04 records/s is not 0), none past 100.</summary>
    private static string Number(double value) => value.ToString(value switch { >= 100 => "0", >= 10 => "0.#", _ => "0.##" }, CultureInfo.InvariantCulture);

    /// <summary><c>3.2s</c>, <c>4m 05s</c>, <c>2h 03m</c>, <c>3d 04h</c>.</summary>
    internal static string Age(double seconds)
    {
        if (seconds < 60)
        {
            return seconds.ToString("0.#", CultureInfo.InvariantCulture) + "s";
        }

        var whole = (long)seconds;
        return whole switch
        {
            < 3600 => $"{whole / 60}m {whole % 60:00}s",
            < 86_400 => $"{whole / 3600}h {whole % 3600 / 60:00}m",
            _ => $"{whole / 86_400}d {whole % 86_400 / 3600:00}h",
        };
    }

    private static string Estimate(TimeSpan remaining) => remaining <= TimeSpan.Zero ? "due" : "in " + Age(Math.Ceiling(remaining.TotalSeconds));
}

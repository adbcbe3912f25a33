using System.CommandLine;
using System.Globalization;
using Sluice.Cli.Client;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice top</c>: the pipeline live, from <c>GET /v1/pipeline</c> (an admin's view): per stage throughput, records
/// in hand, lag, the oldest record's age, retries waiting and dead letters; documents by state and those in progress.
/// Redrawn every <c>--interval</c> until Ctrl+C; <c>--once</c> (or output that is not a terminal) prints one snapshot.
/// </summary>
internal static class TopCommand
{
    /// <summary>How long one request may take before the refresh counts as failed.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(200);

    public static Command Create()
    {
        var interval = new Option<string>("--interval")
        {
            Description = "Time between refreshes, e.g. 2s, 500ms, 1m (default 2s)",
            DefaultValueFactory = _ => "2s",
        };
        var once = new Option<bool>("--once") { Description = "Print one snapshot and exit (also what happens when output is not a terminal)" };
        var server = ServerOption.Create();
        var command = new Command("top", "Watch the pipeline live: each stage's throughput, lag, retries and dead letters, and documents in progress (admin)")
        {
            interval, once, server,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var every = ParseInterval(result.GetValue(interval)!);
            var url = ServerOption.Resolve(result.GetValue(server));
            using var client = new SluiceClient(ClientCredentials.Http(url, RequestTimeout));
            var single = result.GetValue(once) || Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive;
            if (single && Console.IsOutputRedirected)
            {
                AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160); // ids and figures stay whole for scripts
            }

            return await RunAsync(AnsiConsole.Console, url, client.GetPipelineAsync, every, single, cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// Fetches and draws until <paramref name="cancellationToken"/> is cancelled (Ctrl+C: exit code 0), or once. The
    /// first fetch must succeed (its failure is the command's, as a <see cref="CliException"/>); a later failure is
    /// shown under the last good snapshot and the next refresh tries again.
    /// </summary>
    public static async Task<int> RunAsync(
        IAnsiConsole console, Uri server, Func<CancellationToken, Task<PipelineSnapshot>> fetch, TimeSpan interval, bool once,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(fetch);
        PipelineSnapshot snapshot;
        try
        {
            snapshot = await fetch(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }

        if (once)
        {
            console.Write(TopView.Render(snapshot, server));
            return 0;
        }

        var footer = Footer(interval, null);
        try
        {
            await console.Live(TopView.Render(snapshot, server, footer)).AutoClear(false).StartAsync(async live =>
            {
                while (true)
                {
                    await Task.Delay(interval, cancellationToken);
                    try
                    {
                        snapshot = await fetch(cancellationToken);
                        footer = Footer(interval, null);
                    }
                    catch (CliException ex)
                    {
                        footer = Footer(interval, ex.Message);
                    }

                    live.UpdateTarget(TopView.Render(snapshot, server, footer));
                    live.Refresh();
                }
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the way out of a live view, not an error.
        }

        return 0;
    }

    private static string Footer(TimeSpan interval, string? failure)
        => failure is null
            ? $"[dim]every {Markup.Escape(Describe(interval))}; Ctrl+C to quit[/]"
            : $"[red]last refresh failed: {Markup.Escape(failure)}[/] [dim](showing the last snapshot; retrying every {Markup.Escape(Describe(interval))})[/]";

    private static string Describe(TimeSpan interval)
        => interval.TotalSeconds >= 1 && interval.TotalSeconds == Math.Floor(interval.TotalSeconds)
            ? interval.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + "s"
            : interval.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms";

    /// <summary><c>2</c> or <c>2s</c> (seconds), <c>500ms</c>, <c>1m</c>; at least 200 ms.</summary>
    internal static TimeSpan ParseInterval(string value)
    {
        var text = value.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 0.001)
            : text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], 1.0)
            : text.EndsWith('m') || text.EndsWith('M') ? (text[..^1], 60.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || double.IsNaN(amount) || amount * unit > 86_400)
        {
            throw new CliException($"'{value}' is not an interval for --interval; use e.g. 2s, 500ms or 1m", 2);
        }

        var interval = TimeSpan.FromSeconds(amount * unit);
        return interval >= MinInterval
            ? interval
            : throw new CliException($"--interval {value} is too short; the least is {MinInterval.TotalMilliseconds:0}ms", 2);
    }
}

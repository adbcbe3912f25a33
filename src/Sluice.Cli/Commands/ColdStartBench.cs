using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using Sluice.Cli.Client;
using Sluice.Server.Api;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench cold</c>: how a freshly started server answers its first uploads. Each run starts a new
/// <c>sluice serve</c> process (the program to start is an option: the published binary or the dll) on a new data
/// directory, measures the time to <c>/healthz</c> and <c>/readyz</c>, and fires three bursts from C clients: the
/// first the moment the server is ready (cold), the second as soon as the first was acknowledged (the pipeline busy
/// with the first), the third once everything is terminal (warm). It reports the acknowledgement latency of each,
/// the time to the first completed document and until all are terminal, and each burst's first wave (every client's first
/// upload, sent at once) apart from the rest. Several <c>--program</c>s run in turn, run
/// after run, so that a noisy machine affects them alike.
/// </summary>
internal static class ColdStartBench
{
    private static readonly string[] BurstNames = ["cold", "busy", "warm"];

    public static Command Create()
    {
        var programs = new Option<string[]>("--program")
        {
            Description = "The sluice to start: an executable (a published sluice) or a .dll run with dotnet; repeat to compare (default: this one)",
        };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients (default 60)", DefaultValueFactory = _ => 60 };
        var documents = new Option<int>("--documents") { Description = "Uploads per burst (default 300)", DefaultValueFactory = _ => 300 };
        var runs = new Option<int>("--runs") { Description = "Fresh starts per program (default 1)", DefaultValueFactory = _ => 1 };
        var startOn = new Option<string>("--start-on")
        {
            Description = "What the first burst waits for: readyz (default, as a load balancer would) or healthz",
            DefaultValueFactory = _ => "readyz",
        };
        startOn.AcceptOnlyFromAmong("readyz", "healthz");
        var environment = new Option<string[]>("--env") { Description = "NAME=VALUE for the server's environment (repeatable), e.g. DOTNET_gcServer=0" };
        var compare = new Option<string[]>("--compare")
        {
            Description = "NAME=VALUE: also start each program with this setting added to its environment, in the same runs (repeatable: one variant each)",
        };
        var timeout = new Option<int>("--timeout") { Description = "Longest wait for the documents to be terminal, seconds (default 900)", DefaultValueFactory = _ => 900 };
        var command = new Command("cold", "Start a fresh sluice serve and measure its first bursts of uploads: cold, with the pipeline busy, and warm")
        {
            programs, clients, documents, runs, startOn, environment, compare, timeout,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var settings = new Settings(
                result.GetValue(clients), result.GetValue(documents), result.GetValue(startOn)!, ParseEnvironment(result.GetValue(environment) ?? []),
                TimeSpan.FromSeconds(result.GetValue(timeout)));
            if (settings.Clients < 1 || settings.Documents < 1 || result.GetValue(runs) < 1)
            {
                throw new CliException("--clients, --documents and --runs must be at least 1", 2);
            }

            var programPaths = (result.GetValue(programs) is { Length: > 0 } given ? given : [Self()]).Select(Path.GetFullPath).ToList();
            foreach (var missing in programPaths.Where(t => !File.Exists(t)))
            {
                throw new CliException($"--program {missing}: no such file", 2);
            }

            // Each program as it is, then with each --compare setting: one target each, all started in every run.
            var variants = new List<string?> { null };
            variants.AddRange((result.GetValue(compare) ?? []).Select(v => ParseEnvironment([v]).Select(e => e.Key + "=" + e.Value).Single()));
            var targets = programPaths.SelectMany(p => variants.Select(v => new Target(p, v))).ToList();

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{settings.Documents} uploads per burst from {settings.Clients} clients; first burst on /{settings.StartOn}; {Environment.ProcessorCount} cores, client and server on the same machine"));
            var rows = new List<RunFigures>();
            for (var run = 1; run <= result.GetValue(runs); run++)
            {
                foreach (var target in targets)
                {
                    var figures = await RunOnceAsync(target, settings, cancellationToken);
                    Print(run, figures);
                    rows.Add(figures);
                }
            }

            PrintTable(rows);
            return rows.Any(r => r.Lost > 0 || r.Bursts.Any(b => b.Succeeded.Count < b.Sent)) ? 1 : 0;
        });
        return command;
    }

    private static async Task<RunFigures> RunOnceAsync(Target target, Settings settings, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string>(settings.Environment, StringComparer.Ordinal);
        if (target.Setting is { } setting)
        {
            var equals = setting.IndexOf('=', StringComparison.Ordinal);
            environment[setting[..equals]] = setting[(equals + 1)..];
        }

        var scratch = Path.Combine(Path.GetTempPath(), "sluice-cold-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(scratch);
        var logPath = Path.Combine(scratch, "serve.log");
        var keep = false;
        try
        {
            await using var server = ServeProcess.Start(target.Program, Path.Combine(scratch, "data"), environment, logPath);
            using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var healthz = await server.WaitForAsync(probe, "healthz", TimeSpan.FromMinutes(2), cancellationToken);
            var readyz = settings.StartOn == "readyz" ? await server.WaitForAsync(probe, "readyz", TimeSpan.FromMinutes(2), cancellationToken) : (TimeSpan?)null;

            // New connections, as clients arriving at a new server would open them.
            using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(60) };
            var bursts = new List<BurstOutcome>();
            var cpu = new List<TimeSpan>();
            async Task BurstAsync(int index)
            {
                var before = server.ProcessorTime;
                bursts.Add(await UploadBurst.RunAsync(
                    http, "v1/documents?filename=cold-{0}.txt", HttpStatusCode.Accepted, BurstNames[index], index * settings.Documents, settings.Documents, settings.Clients, cancellationToken));
                cpu.Add(server.ProcessorTime - before);
            }

            await BurstAsync(0);
            await BurstAsync(1);
            var busy = await WaitForTerminalAsync(http, [.. bursts[0].Succeeded, .. bursts[1].Succeeded], settings.Timeout, cancellationToken);
            var idle = DateTimeOffset.UtcNow;
            await BurstAsync(2);
            var warm = await WaitForTerminalAsync(http, bursts[2].Succeeded, settings.Timeout, cancellationToken);

            var all = busy.Concat(warm).ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal);
            var accepted = bursts.Sum(b => b.Succeeded.Count);
            var firstBurst = bursts[0].Succeeded.ToHashSet(StringComparer.Ordinal);
            var completedAt = busy.Values.Where(d => d.Status == "completed").Select(d => d.UpdatedAt).DefaultIfEmpty(idle).Min();
            keep = all.Count < accepted;
            return new RunFigures(
                target.Label, healthz, readyz, bursts, cpu,
                FirstCompleted: completedAt - bursts[0].StartedAt,
                FirstBurstTerminalWhenBusy: busy.Values.Count(d => firstBurst.Contains(d.Id) && d.UpdatedAt < bursts[1].StartedAt),
                BusyTerminal: (busy.Count == 0 ? idle : busy.Values.Max(d => d.UpdatedAt)) - bursts[0].StartedAt,
                WarmTerminal: (warm.Count == 0 ? idle : warm.Values.Max(d => d.UpdatedAt)) - bursts[2].StartedAt,
                Completed: all.Values.Count(d => d.Status == "completed"),
                Failed: all.Values.Count(d => d.IsFailure()),
                Lost: accepted - all.Count,
                LogPath: keep ? logPath : null);
        }
        catch
        {
            keep = true;
            Console.Error.WriteLine($"the server's log: {logPath}");
            throw;
        }
        finally
        {
            if (!keep)
            {
                TryDelete(scratch);
            }
        }
    }

    /// <summary>
    /// Lists the documents every 500 ms until every one of <paramref name="ids"/> is terminal (or the timeout); returns
    /// those that are. A terminal document no longer changes, so its <c>updatedAt</c> is when it became terminal.
    /// </summary>
    private static async Task<Dictionary<string, DocumentResponse>> WaitForTerminalAsync(
        HttpClient http, IReadOnlyCollection<string> ids, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        var terminal = new Dictionary<string, DocumentResponse>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + timeout;
        while (terminal.Count < wanted.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500, cancellationToken);
            string? cursor = null;
            do
            {
                var page = await http.GetFromJsonAsync<DocumentPage>(
                    new Uri($"v1/documents?limit=500{(cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor))}", UriKind.Relative),
                    SluiceClient.Json, cancellationToken);
                foreach (var document in page!.Items.Where(d => wanted.Contains(d.Id) && d.IsTerminal()))
                {
                    terminal[document.Id] = document;
                }

                cursor = page.Next;
            }
            while (cursor is not null);
        }

        return terminal;
    }

    private static void Print(int run, RunFigures r)
    {
        var output = new StringBuilder();
        output.Append(CultureInfo.InvariantCulture,
            $"run {run}, {r.Label}: /healthz {r.Healthz.TotalSeconds:F2} s after the start");
        output.AppendLine(r.Readyz is { } ready ? string.Create(CultureInfo.InvariantCulture, $", /readyz {ready.TotalSeconds:F2} s") : string.Empty);
        for (var i = 0; i < r.Bursts.Count; i++)
        {
            var b = r.Bursts[i];
            output.Append(CultureInfo.InvariantCulture,
                $"  burst {i + 1} {BurstNames[i],-4}  {b.Succeeded.Count}/{b.Sent} accepted in {b.Elapsed.TotalSeconds:F2} s ({b.Succeeded.Count / b.Elapsed.TotalSeconds:F0}/s){b.DescribeFailures()}; ack ms p50 {b.P50:F0}  p99 {b.P99:F0}  max {b.Max:F0}; server CPU {r.Cpu[i].TotalSeconds:F2} s");
            output.AppendLine(i == 1 ? string.Create(CultureInfo.InvariantCulture, $" ({r.FirstBurstTerminalWhenBusy} of burst 1 terminal when it began)") : string.Empty);
            output.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"    first wave (each client's first upload, {b.FirstWaveMs.Length} at once): p50 {UploadBurst.Percentile(b.FirstWaveMs, 0.5):F0}  max {(b.FirstWaveMs.Length > 0 ? b.FirstWaveMs[^1] : 0):F0}; the {b.AfterFirstWaveMs.Length} after it: p50 {UploadBurst.Percentile(b.AfterFirstWaveMs, 0.5):F0}  p99 {UploadBurst.Percentile(b.AfterFirstWaveMs, 0.99):F0}  max {(b.AfterFirstWaveMs.Length > 0 ? b.AfterFirstWaveMs[^1] : 0):F0}"));
        }

        output.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"  first document completed {r.FirstCompleted.TotalSeconds:F2} s after the first upload; bursts 1-2 all terminal after {r.BusyTerminal.TotalSeconds:F1} s, burst 3 after {r.WarmTerminal.TotalSeconds:F1} s"));
        output.Append(CultureInfo.InvariantCulture, $"  terminal: {r.Completed} completed, {r.Failed} failed or dead-lettered; lost {r.Lost}");
        output.AppendLine(r.LogPath is null ? string.Empty : $" (the server's log: {r.LogPath})");
        Console.Write(output.ToString());
    }

    /// <summary>One markdown row per run, then the median of each program's runs when there were several.</summary>
    private static void PrintTable(List<RunFigures> rows)
    {
        Console.WriteLine();
        Console.WriteLine("| program | healthz s | readyz s | cold p50 / p99 / max ms | busy p50 / p99 / max ms | warm p50 / p99 / max ms | first completed s | all terminal s |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in rows)
        {
            Console.WriteLine(Row(r.Label, [r]));
        }

        foreach (var group in rows.GroupBy(r => r.Label, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            Console.WriteLine(Row($"{group.Key} (median of {group.Count()})", [.. group]));
        }
    }

    private static string Row(string name, List<RunFigures> runs)
    {
        double Median(Func<RunFigures, double> value)
        {
            var sorted = runs.Select(value).Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        string Burst(int i) => string.Create(CultureInfo.InvariantCulture,
            $"{Median(r => r.Bursts[i].P50):F0} / {Median(r => r.Bursts[i].P99):F0} / {Median(r => r.Bursts[i].Max):F0}");
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Median(r => r.Healthz.TotalSeconds):F2} | {(runs[0].Readyz is null ? "-" : Median(r => r.Readyz!.Value.TotalSeconds).ToString("F2", CultureInfo.InvariantCulture))} | {Burst(0)} | {Burst(1)} | {Burst(2)} | {Median(r => r.FirstCompleted.TotalSeconds):F2} | {Median(r => r.BusyTerminal.TotalSeconds):F1} |");
    }

    private static Dictionary<string, string> ParseEnvironment(string[] pairs)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliException($"--env {pair}: expected NAME=VALUE", 2);
            }

            environment[pair[..equals]] = pair[(equals + 1)..];
        }

        return environment;
    }

    /// <summary>This program: the executable, or the dll when it runs under <c>dotnet</c>.</summary>
    private static string Self()
    {
        var self = Environment.ProcessPath ?? throw new CliException("cannot tell which program this is; give --program", 2);
        return Path.GetFileNameWithoutExtension(self) == "dotnet" ? typeof(ColdStartBench).Assembly.Location : self;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A program to start, with one extra environment setting or none.</summary>
    private sealed record Target(string Program, string? Setting)
    {
        public string Label => Path.GetFileName(Program) + (Setting is null ? string.Empty : " " + Setting);
    }

    private sealed record Settings(int Clients, int Documents, string StartOn, IReadOnlyDictionary<string, string> Environment, TimeSpan Timeout);

    private sealed record RunFigures(
        string Label,
        TimeSpan Healthz,
        TimeSpan? Readyz,
        IReadOnlyList<BurstOutcome> Bursts,
        IReadOnlyList<TimeSpan> Cpu,
        TimeSpan FirstCompleted,
        int FirstBurstTerminalWhenBusy,
        TimeSpan BusyTerminal,
        TimeSpan WarmTerminal,
        int Completed,
        int Failed,
        int Lost,
        string? LogPath);
}

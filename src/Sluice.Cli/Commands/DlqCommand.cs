using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Sluice.Cli.Client;
using Sluice.Core.Stages;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice dlq list|show|replay</c>: the dead letters of a running server, and their replay.</summary>
internal static class DlqCommand
{
    public static Command Create()
    {
        var list = new Command("list", "List parked dead letters, newest first");
        var listStage = StageOption();
        var includeReplayed = new Option<bool>("--all") { Description = "Include dead letters already replayed" };
        var limit = new Option<int>("--limit") { Description = "How many (default 50)", DefaultValueFactory = _ => 50 };
        var listTenant = TenantOption();
        var listServer = ServerOption.Create();
        list.Options.Add(listStage);
        list.Options.Add(listTenant);
        list.Options.Add(includeReplayed);
        list.Options.Add(limit);
        list.Options.Add(listServer);
        list.SetAction(async (result, cancellationToken) =>
        {
            var query = $"v1/dead-letters?limit={result.GetValue(limit)}&state={(result.GetValue(includeReplayed) ? "all" : "parked")}"
                        + (result.GetValue(listStage) is { } stage ? $"&stage={Uri.EscapeDataString(stage)}" : string.Empty)
                        + (result.GetValue(listTenant) is { } tenant ? $"&tenant={Uri.EscapeDataString(tenant)}" : string.Empty);
            using var http = Http(result.GetValue(listServer));
            var page = await ReadAsync<DeadLetterPageView>(http, HttpMethod.Get, query, cancellationToken);
            if (Console.IsOutputRedirected)
            {
                AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 200); // ids stay whole for scripts
            }

            var table = new Table()
                .AddColumn(new TableColumn("Id").NoWrap())
                .AddColumn("Stage")
                .AddColumn("Tenant")
                .AddColumn(new TableColumn("Document").NoWrap())
                .AddColumns("Failed at", "Attempts", "State", "Error");
            foreach (var d in page.Items)
            {
                table.AddRow(d.Id, Markup.Escape(d.Stage), Markup.Escape(d.Tenant ?? "-"), d.DocumentId ?? "-", d.FailedAt.ToString("u", CultureInfo.InvariantCulture),
                    d.Attempts?.ToString(CultureInfo.InvariantCulture) ?? "-", d.State + (d.Replays > 0 ? $" ({d.Replays}×)" : string.Empty),
                    Markup.Escape(Truncate(d.Error ?? string.Empty, 80)));
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"{page.Items.Count} dead letter(s){(page.Next is null ? string.Empty : " (more: raise --limit)")}");
            return 0;
        });

        var show = new Command("show", "Show one dead letter: its failure context and the event");
        var showId = new Argument<string>("id") { Description = "Dead letter id" };
        var showServer = ServerOption.Create();
        show.Arguments.Add(showId);
        show.Options.Add(showServer);
        show.SetAction(async (result, cancellationToken) =>
        {
            using var http = Http(result.GetValue(showServer));
            var json = await ReadAsync<JsonElement>(http, HttpMethod.Get, $"v1/dead-letters/{Uri.EscapeDataString(result.GetValue(showId)!)}", cancellationToken);
            Console.WriteLine(JsonSerializer.Serialize(json, Indented));
            return 0;
        });

        var replay = new Command("replay", "Publish dead letters again to the stage that parked them (rate limited by the server)");
        var replayId = new Argument<string?>("id") { Description = "Dead letter id (or use --stage / --all)", Arity = ArgumentArity.ZeroOrOne };
        var replayStage = StageOption();
        var all = new Option<bool>("--all") { Description = "Replay every parked dead letter (of --stage, or of every stage)" };
        var detach = new Option<bool>("--detach") { Description = "Start the bulk replay and print its URL instead of following it" };
        var replayTenant = TenantOption();
        var replayServer = ServerOption.Create();
        replay.Arguments.Add(replayId);
        replay.Options.Add(replayStage);
        replay.Options.Add(replayTenant);
        replay.Options.Add(all);
        replay.Options.Add(detach);
        replay.Options.Add(replayServer);
        replay.SetAction(async (result, cancellationToken) =>
        {
            using var http = Http(result.GetValue(replayServer));
            if (result.GetValue(replayId) is { } id)
            {
                if (result.GetValue(all) || result.GetValue(replayStage) is not null || result.GetValue(replayTenant) is not null)
                {
                    throw new CliException("give either a dead letter id, or --stage/--tenant/--all, not both", 2);
                }

                var replayed = await ReadAsync<DeadLetterView>(http, HttpMethod.Post, $"v1/dead-letters/{Uri.EscapeDataString(id)}/replay", cancellationToken);
                Console.WriteLine($"replayed {replayed.Id} ({replayed.Stage}, document {replayed.DocumentId ?? "-"}), replay #{replayed.Replays}");
                return 0;
            }

            if (!result.GetValue(all) && result.GetValue(replayStage) is null && result.GetValue(replayTenant) is null)
            {
                throw new CliException("say what to replay: a dead letter id, --stage NAME, --tenant NAME, or --all", 2);
            }

            string[] filters =
            [
                .. result.GetValue(replayStage) is { } stage ? [$"stage={Uri.EscapeDataString(stage)}"] : Array.Empty<string>(),
                .. result.GetValue(replayTenant) is { } tenant ? [$"tenant={Uri.EscapeDataString(tenant)}"] : Array.Empty<string>(),
            ];
            var query = "v1/dead-letters/replay" + (filters.Length > 0 ? "?" + string.Join('&', filters) : string.Empty);
            var job = await ReadAsync<ReplayJobView>(http, HttpMethod.Post, query, cancellationToken);
            var jobPath = $"v1/dead-letters/replays/{Uri.EscapeDataString(job.Id)}";
            if (result.GetValue(detach))
            {
                Console.WriteLine($"replay job {job.Id} started: {job.Total} dead letter(s); follow it at {new Uri(http.BaseAddress!, jobPath)}");
                return 0;
            }

            job = await FollowAsync(http, job, jobPath, cancellationToken);
            Console.WriteLine($"replayed {job.Replayed} dead letter(s), skipped {job.Skipped} (replayed meanwhile by someone else), failed {job.Failed} (still parked)");
            if (job.State != "done" || job.Failed > 0)
            {
                throw new CliException($"the replay job ended {job.State}{(job.Error is null ? string.Empty : ": " + job.Error)}", 3);
            }

            return 0;
        });

        return new Command("dlq", "Dead letters: list, show, replay") { list, show, replay };
    }

    /// <summary>Polls the job until it ends, with a progress bar of the dead letters it went through.</summary>
    private static async Task<ReplayJobView> FollowAsync(HttpClient http, ReplayJobView job, string jobPath, CancellationToken cancellationToken)
    {
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask("Replaying", maxValue: Math.Max(1, job.Total));
                while (true)
                {
                    task.MaxValue = Math.Max(1, job.Total);
                    task.Value = job.Replayed + job.Skipped + job.Failed;
                    task.Description = $"Replaying: {job.Replayed} replayed, {job.Skipped} skipped, {job.Failed} failed";
                    if (job.State != "running")
                    {
                        task.Value = task.MaxValue;
                        return;
                    }

                    await Task.Delay(JobPollInterval, cancellationToken);
                    job = await ReadAsync<ReplayJobView>(http, HttpMethod.Get, jobPath, cancellationToken);
                }
            });
        return job;
    }

    private static readonly TimeSpan JobPollInterval = TimeSpan.FromMilliseconds(250);

    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static Option<string?> StageOption() => new("--stage") { Description = $"Only this stage's dead letters ({string.Join(", ", StageCatalog.DeadLetterStageNames)})" };

    /// <summary>Only one tenant's dead letters: an admin's filter (a writer sees its own tenant's anyway).</summary>
    private static Option<string?> TenantOption() => new("--tenant") { Description = "Only this tenant's dead letters (admin)" };

    private static HttpClient Http(string? server) => ClientCredentials.Http(ServerOption.Resolve(server), TimeSpan.FromMinutes(2));

    private static async Task<T> ReadAsync<T>(HttpClient http, HttpMethod method, string path, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"cannot reach the Sluice server at {http.BaseAddress} ({ex.Message})", 3);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var detail = await response.Content.ReadAsStringAsync(cancellationToken);
                var reason = TryDetail(detail) ?? $"HTTP {(int)response.StatusCode}";
                throw new CliException(reason, response.StatusCode == HttpStatusCode.NotFound ? 4 : response.StatusCode == HttpStatusCode.BadRequest ? 2 : 3);
            }

            return await response.Content.ReadFromJsonAsync<T>(SluiceClient.Json, cancellationToken)
                   ?? throw new CliException("the server answered an empty body", 3);
        }
    }

    private static string? TryDetail(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length] + "…";

    private sealed record DeadLetterPageView(List<DeadLetterView> Items, string? Next);

    private sealed record DeadLetterView(
        string Id, string Stage, string? Tenant, string? DocumentId, string State, int Replays, DateTimeOffset FailedAt, int? Attempts, string? Error);

    private sealed record ReplayJobView(string Id, string? Stage, string State, int Total, int Replayed, int Skipped, int Failed, string? Error);
}

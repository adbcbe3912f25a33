using System.CommandLine;
using Sluice.Cli.Client;
using Spectre.Console;
using Sluice.Server.Api;
using Sluice.Server.Events;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice ingest PATH...</c>: upload files and folders, then follow them to a terminal state through the tenant's
/// status event stream (subscribed before the first upload, so no change is missed), or by polling each document when
/// the server has no event stream.
/// </summary>
internal static class IngestCommand
{
    private const int UploadConcurrency = 4;

    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or folders (recursive) to upload", Arity = ArgumentArity.OneOrMore };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once uploads are accepted, without waiting for processing" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for processing (default 600)", DefaultValueFactory = _ => 600 };
        var server = ServerOption.Create();
        var command = new Command("ingest", "Upload documents to a running Sluice server and wait until each is completed or failed")
        {
            paths, noWait, timeout, server,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(paths)!, result.GetValue(noWait), TimeSpan.FromSeconds(result.GetValue(timeout)), result.GetValue(server), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string[] paths, bool noWait, TimeSpan timeout, string? server, CancellationToken cancellationToken)
    {
        var files = ExpandPaths(paths);
        using var client = SluiceClient.Create(ServerOption.Resolve(server));
        var documents = new Dictionary<string, DocumentResponse>(StringComparer.Ordinal);
        var rejected = new List<string>();

        // Subscribed before the first upload: every change of what is uploaded comes after the stream's position.
        await using var events = new StatusEventFollower(client);
        var following = !noWait && await events.StartAsync(cancellationToken);

        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var uploading = progress.AddTask("Uploading", maxValue: files.Count);
                await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = UploadConcurrency, CancellationToken = cancellationToken },
                    async (file, token) =>
                    {
                        try
                        {
                            var (document, _) = await client.UploadAsync(file, token);
                            lock (documents)
                            {
                                documents[file] = document;
                            }
                        }
                        catch (CliException ex) when (ex.ExitCode == 1)
                        {
                            lock (rejected)
                            {
                                rejected.Add(ex.Message);
                            }
                        }

                        uploading.Increment(1);
                    });

                if (noWait || documents.Count == 0)
                {
                    return;
                }

                var processing = progress.AddTask("Processing", maxValue: documents.Count);
                var deadline = DateTimeOffset.UtcNow + timeout;
                if (following)
                {
                    await FollowAsync(events, documents, processing, deadline, cancellationToken);
                }

                await PollAsync(client, documents, processing, deadline, cancellationToken);
            });

        PrintSummary(documents, rejected, noWait);
        var failed = documents.Values.Count(d => d.IsFailure());
        var unfinished = noWait ? 0 : documents.Values.Count(d => !d.IsTerminal());
        if (unfinished > 0)
        {
            await Console.Error.WriteLineAsync($"sluice: {unfinished} document(s) were still processing after {timeout.TotalSeconds:0} s");
        }

        return failed + rejected.Count + unfinished > 0 ? 1 : 0;
    }

    /// <summary>
    /// Follows the documents through the event stream until each ended (completed, failed, dead-lettered or deleted) or
    /// the deadline passed; the bar counts the ended ones and its text says what runs. Returns early, leaving the rest to
    /// <see cref="PollAsync"/>, if the server stops offering the stream.
    /// </summary>
    private static async Task FollowAsync(
        StatusEventFollower events, Dictionary<string, DocumentResponse> documents, ProgressTask processing, DateTimeOffset deadline,
        CancellationToken cancellationToken)
    {
        var open = documents.Values.Where(d => !d.IsTerminal()).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var latest = new Dictionary<string, StatusEventResponse>(StringComparer.Ordinal);
        var files = documents.Count;
        processing.Value = files - documents.Values.Count(d => open.Contains(d.Id));
        using var until = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        until.CancelAfter(Max(deadline - DateTimeOffset.UtcNow, TimeSpan.Zero));
        while (open.Count > 0)
        {
            StatusEventResponse? change;
            try
            {
                change = await events.NextAsync(until.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return; // the deadline: the last poll reports what is unfinished
            }

            if (change is null)
            {
                return; // the stream is gone: polling takes over
            }

            if (!open.Contains(change.DocumentId))
            {
                continue;
            }

            latest[change.DocumentId] = change;
            if (change.Type is "document.completed" or "document.failed" or "document.dead_lettered" or "document.deleted")
            {
                open.Remove(change.DocumentId);
            }

            processing.Value = files - documents.Values.Count(d => open.Contains(d.Id));
            processing.Description = Describe(latest.Values.Where(c => open.Contains(c.DocumentId)));
        }
    }

    /// <summary>Reads each unfinished document until all ended or the deadline passed (after events, it reads each once).</summary>
    private static async Task PollAsync(
        SluiceClient client, Dictionary<string, DocumentResponse> documents, ProgressTask processing, DateTimeOffset deadline,
        CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var (file, document) in documents.Where(d => !d.Value.IsTerminal()).ToList())
            {
                documents[file] = await client.GetAsync(document.Id, cancellationToken);
            }

            processing.Value = documents.Values.Count(d => d.IsTerminal());
            processing.Description = Describe(documents.Values);
            if (processing.Value >= documents.Count || DateTimeOffset.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    /// <summary>"Processing", with the stages running and how many documents wait to retry, from the latest events.</summary>
    private static string Describe(IEnumerable<StatusEventResponse> changes)
    {
        var parts = changes
            .Where(c => c.Stage is not null && c.StageState is "running" or "retrying")
            .GroupBy(c => c.StageState == "retrying" ? "retrying" : c.Stage!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key == "retrying" || g.Count() > 1
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{g.Count()} {g.Key}")
                : g.Single().Progress is { } p and > 0 and < 1 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{g.Key} {p:P0}") : g.Key)
            .ToList();
        return parts.Count == 0 ? "Processing" : Markup.Escape($"Processing ({string.Join(", ", parts)})");
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>"Processing", and how many documents wait to retry and until when, so a long wait is not a mystery.</summary>
    private static string Describe(IEnumerable<DocumentResponse> documents)
    {
        var waiting = documents.Where(d => !d.IsTerminal() && d.NextAttemptAt is not null).Select(d => d.NextAttemptAt!.Value).ToList();
        return waiting.Count == 0
            ? "Processing"
            : Markup.Escape($"Processing ({waiting.Count} retrying, next at {waiting.Min().ToUniversalTime().ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)} UTC)");
    }

    private static List<string> ExpandPaths(string[] paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                files.AddRange(Directory
                    .EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System })
                    .Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal));
            }
            else
            {
                throw new CliException($"'{path}' is neither a file nor a folder", 2);
            }
        }

        return files.Count > 0 ? files : throw new CliException("no files to upload", 2);
    }

    private static void PrintSummary(Dictionary<string, DocumentResponse> documents, List<string> rejected, bool noWait)
    {
        var table = new Table().AddColumns("File", "Id", "Status", "Chunks", "Error");
        foreach (var (file, d) in documents.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            var status = d.Status switch
            {
                "completed" => "[green]completed[/]",
                "failed" => "[red]failed[/]",
                "dead_lettered" => "[red]dead_lettered[/]",
                _ => Markup.Escape(d.Status),
            };
            var error = d.Error is { } e
                ? Markup.Escape($"{e.Stage}: {e.Reason}")
                : Markup.Escape(string.Join("\n", RetryText.Lines(d, DateTimeOffset.UtcNow)));
            table.AddRow(Markup.Escape(Path.GetFileName(file)), d.Id, status, d.Chunks?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", error);
        }

        AnsiConsole.Write(table);
        foreach (var reason in rejected)
        {
            AnsiConsole.MarkupLine($"[red]rejected[/] {Markup.Escape(reason)}");
        }

        var completed = documents.Values.Count(d => d.Status == "completed");
        AnsiConsole.MarkupLine(noWait
            ? $"{documents.Count} accepted, {rejected.Count} rejected"
            : $"{completed} completed, {documents.Values.Count(d => d.Status == "failed")} failed, " +
              $"{documents.Values.Count(d => d.Status == "dead_lettered")} dead-lettered, {rejected.Count} rejected");
    }
}

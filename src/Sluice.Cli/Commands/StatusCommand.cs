using System.CommandLine;
using System.Globalization;
using Sluice.Cli.Client;
using Spectre.Console;
using Sluice.Server.Api;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice status ID</c>: a document's state and its stages.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Document id" };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON" };
        var server = ServerOption.Create();
        var command = new Command("status", "Show a document's status and the state of each stage") { id, json, server };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var client = SluiceClient.Create(ServerOption.Resolve(result.GetValue(server)));
            if (result.GetValue(json))
            {
                Console.WriteLine(await client.GetRawAsync(result.GetValue(id)!, cancellationToken));
                return 0;
            }

            var document = await client.GetAsync(result.GetValue(id)!, cancellationToken);
            Print(document);
            return document.IsFailure() ? 1 : 0;
        });
        return command;
    }

    private static void Print(DocumentResponse d)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(d.Filename)}[/]  {d.Id}");
        AnsiConsole.MarkupLine($"status: [bold]{Markup.Escape(d.Status)}[/]  format: {Markup.Escape(d.Format)}  bytes: {d.Bytes:N0}  chunks: {d.Chunks?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
        if (d.Error is { } error)
        {
            AnsiConsole.MarkupLine($"[red]error[/] in {Markup.Escape(error.Stage)}: {Markup.Escape(error.Reason)}");
        }

        foreach (var line in RetryText.Lines(d, DateTimeOffset.UtcNow))
        {
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(line)}[/]");
        }

        var table = new Table().AddColumns("Stage", "Status", "Attempts", "Started", "Finished", "Error");
        foreach (var (name, stage) in d.Stages)
        {
            table.AddRow(
                Markup.Escape(name),
                Markup.Escape(stage.Progress is { } p && stage.Status == "running" ? $"running {p:P0}" : stage.Status),
                stage.Attempts.ToString(CultureInfo.InvariantCulture),
                stage.StartedAt?.ToString("u", CultureInfo.InvariantCulture) ?? "-",
                stage.FinishedAt?.ToString("u", CultureInfo.InvariantCulture) ?? "-",
                Markup.Escape(stage.Error ?? string.Empty));
        }

        AnsiConsole.Write(table);
    }
}

using System.CommandLine;
using System.Globalization;
using Sluice.Cli.Client;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice search "query"</c>: the best chunks, with their document, page and score.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var query = new Argument<string>("query") { Description = "What to look for" };
        var k = new Option<int>("-k", "--top") { Description = "Number of results (default 10)", DefaultValueFactory = _ => 10 };
        var mode = new Option<string>("--mode") { Description = "hybrid (default), vector or keyword", DefaultValueFactory = _ => "hybrid" };
        mode.AcceptOnlyFromAmong("hybrid", "vector", "keyword");
        var documents = new Option<string[]>("--document") { Description = "Only in these document ids", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON" };
        var server = ServerOption.Create();
        var command = new Command("search", "Search the chunks of ingested documents") { query, k, mode, documents, json, server };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var client = SluiceClient.Create(ServerOption.Resolve(result.GetValue(server)));
            var raw = await client.SearchRawAsync(
                result.GetValue(query)!, result.GetValue(k), result.GetValue(mode)!, result.GetValue(documents) ?? [], cancellationToken);
            if (result.GetValue(json))
            {
                Console.WriteLine(raw);
                return 0;
            }

            Print(SluiceClient.ParseSearch(raw));
            return 0;
        });
        return command;
    }

    private static void Print(SearchView response)
    {
        if (response.Results.Count == 0)
        {
            AnsiConsole.MarkupLine("[yellow]no results[/]");
            return;
        }

        var table = new Table().AddColumns("#", "Score", "Document", "Page", "Text");
        var rank = 0;
        foreach (var hit in response.Results)
        {
            var snippet = hit.Text.ReplaceLineEndings(" ");
            snippet = snippet.Length > 160 ? string.Concat(snippet.AsSpan(0, 157), "...") : snippet;
            table.AddRow(
                (++rank).ToString(CultureInfo.InvariantCulture),
                hit.Score.ToString("0.0000", CultureInfo.InvariantCulture),
                Markup.Escape($"{hit.Filename ?? hit.DocumentId} ({hit.DocumentId[..8]})"),
                hit.Page?.ToString(CultureInfo.InvariantCulture) ?? "-",
                Markup.Escape(snippet));
        }

        AnsiConsole.Write(table);
    }
}

using System.CommandLine;
using Sluice.Server;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice serve</c>: the API and every stage in one process, on the embedded defaults.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "Directory for the event log, blobs, status and chunks (default: ./sluice-data)",
            DefaultValueFactory = _ => "sluice-data",
        };
        var urls = new Option<string>("--urls")
        {
            Description = $"Address(es) to listen on (default: {ServerOption.DefaultServer})",
            DefaultValueFactory = _ => ServerOption.DefaultServer,
        };
        var command = new Command("serve", "Run the API and all pipeline stages in one process") { dataDir, urls };
        command.SetAction(async (result, cancellationToken) =>
        {
            var directory = Path.GetFullPath(result.GetValue(dataDir)!);
            var builder = SluiceApp.CreateBuilder([], new Dictionary<string, string?>
            {
                ["Sluice:DataDirectory"] = directory,
            });
            builder.WebHost.UseUrls(result.GetValue(urls)!);
            await using var app = builder.Build();
            app.MapSluice();
            await Console.Out.WriteLineAsync($"Sluice serving on {result.GetValue(urls)} with data in {directory} (Ctrl+C to stop)");
            await app.RunAsync();
            return 0;
        });
        return command;
    }
}

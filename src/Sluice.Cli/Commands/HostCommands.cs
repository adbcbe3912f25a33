using System.CommandLine;
using Sluice.Cli.Client;
using Sluice.Core.Stages;
using Sluice.Server;
using Sluice.Server.Security;

namespace Sluice.Cli.Commands;

/// <summary>
/// The commands that run Sluice itself: <c>serve</c> (API and every stage in one process), <c>api</c> (the API
/// and the status projection) and <c>worker</c> (chosen stages; with <c>--urls</c>, metrics and health checks only). All three run on the embedded log or
/// on Kafka; processes on one machine share <c>--data-dir</c> for blobs, chunks, index and status.
/// </summary>
internal static class HostCommands
{
    /// <summary>Every stage of the catalogue: the pipeline, the status projection and the webhooks beside them.</summary>
    private static readonly string AllStages = string.Join(',', StageCatalog.Names);

    public static Command Serve()
    {
        var host = new HostFlags();
        var urls = UrlsOption();
        var anonymous = AllowAnonymousOption();
        var command = new Command("serve", "Run the API and all pipeline stages in one process") { urls, anonymous };
        host.AddTo(command);
        command.SetAction((result, cancellationToken) => RunApiAsync(host, result, result.GetValue(urls)!, result.GetValue(anonymous), AllStages, "Sluice serving"));
        return command;
    }

    public static Command Api()
    {
        var host = new HostFlags();
        var urls = UrlsOption();
        var anonymous = AllowAnonymousOption();
        var command = new Command("api", "Run the API only (and the status projection); stages run in 'sluice worker' processes") { urls, anonymous };
        host.AddTo(command);
        command.SetAction((result, cancellationToken) => RunApiAsync(
            host, result, result.GetValue(urls)!, result.GetValue(anonymous), StageNames.StatusProjection, "Sluice API"));
        return command;
    }

    public static Command Worker()
    {
        var host = new HostFlags();
        var stages = new Option<string>("--stage")
        {
            Description = $"Stage(s) to run, comma-separated: {string.Join(", ", StageCatalog.Names)}",
            Required = true,
        };
        var urls = new Option<string?>("--urls")
        {
            Description = "Address(es) to serve /metrics, /healthz and /readyz on, e.g. http://0.0.0.0:9464 "
                          + "(default: Sluice:Worker:Urls or ASPNETCORE_URLS; none: no listener)",
        };
        var command = new Command("worker", "Run pipeline stages without the API; start several to scale a stage out") { stages, urls };
        host.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var names = ParseStages(result.GetValue(stages)!);
            var overrides = host.Overrides(result);
            overrides["Sluice:Stages"] = string.Join(',', names);
            if (result.GetValue(urls) is { } listen)
            {
                if (string.IsNullOrWhiteSpace(listen))
                {
                    throw new CliException("--urls needs an address, e.g. http://127.0.0.1:9464", 2);
                }

                overrides["Sluice:Worker:Urls"] = listen;
            }

            using var app = SluiceApp.BuildWorker([], overrides);
            var listening = SluiceApp.WorkerUrls(overrides) is { } at ? $", metrics and health on {at}" : string.Empty;
            await Console.Out.WriteLineAsync($"Sluice worker running {string.Join(", ", names)} on {host.Describe(result)}{listening} (Ctrl+C to stop)");
            await app.RunAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private static Option<string> UrlsOption() => new("--urls")
    {
        Description = $"Address(es) to listen on (default: {ServerOption.DefaultServer})",
        DefaultValueFactory = _ => ServerOption.DefaultServer,
    };

    private static Option<bool> AllowAnonymousOption() => new("--allow-anonymous")
    {
        Description = "Serve without authentication on addresses other than loopback too, while no API key exists (anyone who can reach it is an admin)",
    };

    private static async Task<int> RunApiAsync(HostFlags host, ParseResult result, string urls, bool allowAnonymous, string stages, string banner)
    {
        var overrides = host.Overrides(result);
        overrides["Sluice:Stages"] = stages;
        if (allowAnonymous)
        {
            overrides["Sluice:Auth:AllowAnonymous"] = "true";
        }

        var builder = SluiceApp.CreateBuilder([], overrides);
        builder.WebHost.UseUrls(urls);
        await using var app = builder.Build();
        app.MapSluice();
        await Console.Out.WriteLineAsync($"{banner} on {urls}, {host.Describe(result)} (Ctrl+C to stop)");
        try
        {
            await app.RunAsync();
        }
        catch (AccessRefusedException ex)
        {
            throw new CliException(ex.Message, 2);
        }

        return 0;
    }

    private static List<string> ParseStages(string value)
    {
        var known = StageCatalog.Names;
        var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        var unknown = names.Where(n => StageCatalog.Find(n) is null).ToList();
        if (names.Count == 0 || unknown.Count > 0)
        {
            throw new CliException(
                $"unknown stage '{(unknown.Count > 0 ? unknown[0] : value)}' for --stage; known stages: {string.Join(", ", known)}", 2);
        }

        return names;
    }

    /// <summary>The flags every host command shares: where data lives and which event log to use.</summary>
    private sealed class HostFlags
    {
        private readonly Option<string> _dataDir = new("--data-dir")
        {
            Description = "Directory for blobs, status, chunks, index (and the embedded event log) (default: ./sluice-data)",
            DefaultValueFactory = _ => "sluice-data",
        };

        private readonly Option<string?> _transport = new("--transport")
        {
            Description = "Event log: embedded (default) or kafka",
        };

        private readonly Option<string?> _bootstrap = new("--bootstrap")
        {
            Description = "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...] (implies --transport kafka)",
        };

        public void AddTo(Command command)
        {
            _transport.AcceptOnlyFromAmong("embedded", "kafka");
            command.Options.Add(_dataDir);
            command.Options.Add(_transport);
            command.Options.Add(_bootstrap);
        }

        public Dictionary<string, string?> Overrides(ParseResult result)
        {
            var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            {
                ["Sluice:DataDirectory"] = Path.GetFullPath(result.GetValue(_dataDir)!),
            };
            var transport = result.GetValue(_transport);
            var bootstrap = result.GetValue(_bootstrap);
            if (bootstrap is not null)
            {
                if (transport == "embedded")
                {
                    throw new CliException("--bootstrap is for --transport kafka", 2);
                }

                transport = "kafka";
                overrides["Sluice:Kafka:BootstrapServers"] = bootstrap;
            }

            if (transport is not null)
            {
                overrides["Sluice:Transport"] = transport;
            }

            return overrides;
        }

        public string Describe(ParseResult result)
        {
            var data = Path.GetFullPath(result.GetValue(_dataDir)!);
            return result.GetValue(_bootstrap) is { } bootstrap
                ? $"Kafka at {bootstrap}, data in {data}"
                : result.GetValue(_transport) == "kafka" ? $"Kafka (configured), data in {data}" : $"data in {data}";
        }
    }
}

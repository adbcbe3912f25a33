using System.CommandLine;
using Sluice.Cli.Client;

namespace Sluice.Cli.Commands;

/// <summary>The <c>--server</c> option of client commands: flag, else <c>SLUICE_SERVER</c>, else the local default.</summary>
internal static class ServerOption
{
    public const string DefaultServer = "http://localhost:5080";
    public const string EnvironmentVariable = "SLUICE_SERVER";

    public static Option<string?> Create() => new("--server")
    {
        Description = $"Sluice server URL (default: ${EnvironmentVariable}, else {DefaultServer})",
    };

    public static Uri Resolve(string? flag)
    {
        var value = flag ?? Environment.GetEnvironmentVariable(EnvironmentVariable) ?? DefaultServer;
        if (!Uri.TryCreate(value.EndsWith('/') ? value : value + "/", UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException($"'{value}' is not an http(s) URL for --server", 2);
        }

        return uri;
    }
}

using System.CommandLine;
using System.Net.Http.Headers;

namespace Sluice.Cli.Client;

/// <summary>
/// The API key client commands send (<c>--api-key</c>, else <c>SLUICE_API_KEY</c>), as <c>Authorization: Bearer</c>.
/// Without one, requests go unauthenticated, which a server with no keys on loopback accepts.
/// </summary>
internal static class ClientCredentials
{
    public const string EnvironmentVariable = "SLUICE_API_KEY";

    public static readonly Option<string?> Option = new("--api-key")
    {
        Description = $"API key for the server (default: ${EnvironmentVariable}); not needed by a server without keys on loopback",
        Recursive = true,
    };

    private static string? _key;

    /// <summary>Takes the key from the parsed command line or the environment.</summary>
    public static void From(ParseResult result) => _key = result.GetValue(Option) ?? Environment.GetEnvironmentVariable(EnvironmentVariable);

    /// <summary>An HTTP client of the server that sends the key, if there is one.</summary>
    public static HttpClient Http(Uri server, TimeSpan timeout)
    {
        var http = new HttpClient { BaseAddress = server, Timeout = timeout };
        if (!string.IsNullOrWhiteSpace(_key))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _key.Trim());
        }

        return http;
    }
}

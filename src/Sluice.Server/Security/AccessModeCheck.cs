using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Sluice.Server.Security;

/// <summary>
/// Says at start-up how callers are authenticated, and refuses to start an open API (no key, no token issuer) on an
/// address other than loopback unless <see cref="AuthOptions.AllowAnonymous"/> says so, loudly. Runs before the
/// server listens.
/// </summary>
public sealed partial class AccessModeCheck(
    ApiKeys keys, IOptions<AuthOptions> auth, IConfiguration configuration, IServer server, ILogger<AccessModeCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (auth.Value.Jwt.IsConfigured)
        {
            LogTokens(logger, auth.Value.Jwt.Authority ?? auth.Value.Jwt.Issuer ?? "a configured signing key");
            return;
        }

        if (await keys.AnyAsync(cancellationToken))
        {
            LogKeys(logger);
            return;
        }

        // An in-memory server (tests) listens nowhere.
        var everywhere = server.Features.Get<IServerAddressesFeature>() is null ? [] : Addresses().Where(a => !IsLoopback(a)).ToList();
        if (everywhere.Count == 0)
        {
            LogOpen(logger);
        }
        else if (auth.Value.AllowAnonymous)
        {
            LogOpenToAll(logger, string.Join(", ", everywhere));
        }
        else
        {
            throw new AccessRefusedException(
                $"refusing to serve {string.Join(", ", everywhere)} without authentication: create an API key ('sluice keys create --tenant T --role admin'), configure Sluice:Auth:Jwt, listen on loopback only, or pass --allow-anonymous");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The addresses the server is told to listen on (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, ports, Kestrel endpoints); localhost when none.</summary>
    private List<string> Addresses()
    {
        var addresses = new List<string>();
        addresses.AddRange(Split(configuration["urls"]));
        addresses.AddRange(Split(configuration["http_ports"]).Select(p => $"http://*:{p}"));
        addresses.AddRange(Split(configuration["https_ports"]).Select(p => $"https://*:{p}"));
        addresses.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        addresses.AddRange(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
        return addresses.Count == 0 ? ["http://localhost:5000"] : addresses;
    }

    private static string[] Split(string? value) => (value ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool IsLoopback(string address)
    {
        var host = address;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        host = host.Split('/')[0];
        if (host.StartsWith('['))
        {
            host = host[1..host.IndexOf(']', StringComparison.Ordinal)];
        }
        else if (host.LastIndexOf(':') is var colon and > 0)
        {
            host = host[..colon];
        }

        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Callers authenticate with JSON Web Tokens from {Issuer}, and with API keys")]
    private static partial void LogTokens(ILogger logger, string issuer);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "Callers authenticate with API keys")]
    private static partial void LogKeys(ILogger logger);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "No API key and no token issuer: the API is OPEN on loopback, every caller is the 'default' tenant's admin. Create a key ('sluice keys create --tenant T --role admin') to require authentication")]
    private static partial void LogOpen(ILogger logger);

    [LoggerMessage(EventId = 703, Level = LogLevel.Critical, Message = "--allow-anonymous: the API is OPEN to ANYONE who can reach {Addresses}: every caller is the 'default' tenant's admin and can read, delete and replay everything")]
    private static partial void LogOpenToAll(ILogger logger, string addresses);
}

/// <summary>The API would be open to the network: the process refuses to start.</summary>
public sealed class AccessRefusedException(string message) : InvalidOperationException(message);

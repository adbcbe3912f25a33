using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace Sluice.Server.Tests.Hardening;

/// <summary>
/// A whole Sluice with two probe routes of its own behind the same middleware: <c>GET /probe</c> answers the scheme
/// and client address the app sees, <c>POST /probe</c> reads a JSON body (as any future JSON route would).
/// In memory, or on Kestrel when the server's own limits are under test.
/// </summary>
internal sealed class HardenedHost : IAsyncDisposable
{
    private readonly string _directory;

    private HardenedHost(WebApplication app, string directory)
    {
        App = app;
        _directory = directory;
    }

    public WebApplication App { get; }

    public static async Task<HardenedHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, bool kestrel = false)
    {
        var directory = Path.Combine(Path.GetTempPath(), "sluice-tests", Guid.NewGuid().ToString("N"));
        var overrides = new Dictionary<string, string?> { ["Sluice:DataDirectory"] = directory, ["Sluice:StageParallelism"] = "1" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var builder = SluiceApp.CreateBuilder([], overrides);
        if (kestrel)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapSluice();
        app.MapGet("/probe", (HttpContext context) => $"{context.Request.Scheme} {context.Connection.RemoteIpAddress}");
        app.MapPost("/probe", (JsonElement body) => body.ValueKind.ToString());
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new HardenedHost(app, directory);
    }

    /// <summary>A request as a client at <paramref name="from"/> sends it, through the in-memory server.</summary>
    public async Task<HttpContext> SendAsync(string method, string path, string from = "127.0.0.1", string host = "localhost", params (string Name, string Value)[] headers)
    {
        return await App.GetTestServer().SendAsync(context =>
        {
            context.Request.Method = method;
            context.Request.Path = path;
            context.Request.Host = new HostString(host);
            context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(from);
            foreach (var (name, value) in headers)
            {
                context.Request.Headers[name] = value;
            }
        }, TestContext.Current.CancellationToken);
    }

    public static async Task<string> BodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Response.Body);
        return await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

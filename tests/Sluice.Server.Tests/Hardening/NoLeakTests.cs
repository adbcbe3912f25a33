using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Dev;
using Sluice.Server.Tests.Llm;

namespace Sluice.Server.Tests.Hardening;

/// <summary>Secrets never reach the log; provider answers and exception text never reach a client (only the log).</summary>
public class NoLeakTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFullRun_AtTraceLevel_LogsNoSecret()
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(new FakeLlmOptions { RejectMarker = "REJECT-THIS-DOCUMENT" }, Ct);
        var settings = SecretMarkers.Settings();
        settings["Sluice:Summarizer"] = "llm";
        settings["Sluice:Llm:Endpoint"] = endpoint.ToString();
        settings["Sluice:Llm:Model"] = "fake-chat";
        settings["Sluice:Embedder"] = "openai";
        settings["Sluice:Embedding:OpenAi:Endpoint"] = endpoint.ToString();
        settings["Sluice:Embedding:OpenAi:Model"] = "fake-embed";
        settings["Sluice:Embedding:OpenAi:Dimensions"] = "384";
        using var tokens = new Security.TestTokens();
        foreach (var (key, value) in tokens.Settings())
        {
            settings[key] = value;
        }

        var logs = new CapturedLogs();
        await using var host = await SluiceTestHost.StartAsync(settings, logs.AddTo);
        var keys = host.Services.GetRequiredService<Sluice.Server.Security.ApiKeys>();
        var (_, apiKey) = await keys.CreateAsync("default", Sluice.Server.Security.SluiceRole.Admin, "no-leak run", null, Ct);
        var (revoked, revokedKey) = await keys.CreateAsync("default", Sluice.Server.Security.SluiceRole.Admin, "revoked", null, Ct);
        await keys.RevokeAsync(revoked.Id, Ct);
        var token = tokens.Create("default", "admin");
        var expiredToken = tokens.Create("default", "admin", TimeSpan.FromMinutes(-5));
        host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

        // Refused credentials are logged as refused, never as themselves.
        foreach (var refused in new[] { SecretMarkers.BearerToken, revokedKey, expiredToken, apiKey[..^2] + "xx" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/documents");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", refused);
            using var response = await host.Client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/v1/documents"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await host.Client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var documents = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            documents.Add((await host.AcceptAsync(Encoding.UTF8.GetBytes(LlmTestKit.LongText(2500) + $" Document {i}."), $"doc{i}.txt")).Id);
        }

        documents.Add((await host.AcceptAsync(Encoding.UTF8.GetBytes("REJECT-THIS-DOCUMENT " + LlmTestKit.LongText(1500)), "rejected.txt")).Id);
        foreach (var id in documents)
        {
            await host.WaitForTerminalAsync(id);
            (await host.Client.GetAsync(new Uri($"/v1/documents/{id}/chunks", UriKind.Relative), Ct)).Dispose();
            (await host.Client.GetAsync(new Uri($"/v1/documents/{id}/summary", UriKind.Relative), Ct)).Dispose();
        }

        using var search = await host.Client.GetAsync(new Uri("/v1/search?q=stage+handled+document", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        (await host.Client.GetAsync(new Uri("/v1/dead-letters", UriKind.Relative), Ct)).Dispose();
        (await host.Client.GetAsync(new Uri("/v1/documents/no-such-document", UriKind.Relative), Ct)).Dispose();
        (await host.UploadAsync([], "empty.txt")).Dispose();

        // Not vacuous: the run was logged in detail, failures included.
        Assert.True(logs.Lines.Count > 200, $"only {logs.Lines.Count} lines were captured");
        Assert.NotEmpty(logs.Containing("Debug "));
        Assert.NotEmpty(logs.Containing("answered 400"));
        var secret = apiKey[(apiKey.LastIndexOf('_') + 1)..];
        foreach (var (name, value) in SecretMarkers.All.Concat([
            ("an API key", apiKey), ("an API key's secret part", secret), ("a revoked API key", revokedKey),
            ("a bearer token", token), ("an expired bearer token", expiredToken), ("a token's signature", token[(token.LastIndexOf('.') + 1)..])]))
        {
            var leaks = logs.Containing(value);
            Assert.True(leaks.Count == 0, $"{name} was logged {leaks.Count} time(s), e.g.: {leaks.FirstOrDefault()}");
        }
    }

    [Fact]
    public async Task AProvidersErrorBody_ReachesNoClient_OnlyTheLog()
    {
        const string Marker = "PROVIDER-BODY-4b9e2d7a";
        await using var provider = await RejectingProviderAsync(
            $$$"""{"error":{"message":"Invalid prompt near '{{{Marker}}}' (see /srv/models/internal.cfg)","type":"invalid_request_error","code":"invalid_prompt"}}""");
        var logs = new CapturedLogs();
        await using var host = await SluiceTestHost.StartAsync(SluiceTestHost.LlmSettings(new Uri(provider.Urls.First() + "/v1")), logs.AddTo);

        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes(LlmTestKit.LongText(2000)), "report.txt");
        await host.WaitForTerminalAsync(document.Id);

        var seen = new StringBuilder();
        foreach (var path in new[]
                 {
                     $"/v1/documents/{document.Id}", "/v1/documents", $"/v1/documents/{document.Id}/summary", "/v1/dead-letters?state=all",
                 })
        {
            using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative), Ct);
            seen.Append(path).Append(": ").AppendLine(await response.Content.ReadAsStringAsync(Ct));
        }

        var text = seen.ToString();
        Assert.DoesNotContain(Marker, text, StringComparison.Ordinal);
        Assert.DoesNotContain("/srv/models", text, StringComparison.Ordinal);
        Assert.Contains("answered 400 (invalid_prompt)", text, StringComparison.Ordinal); // the reason is still actionable
        Assert.NotEmpty(logs.Containing(Marker)); // the operator still has the provider's own words
    }

    /// <summary>An OpenAI-compatible endpoint that answers every call 400 with <paramref name="body"/>.</summary>
    private static async Task<WebApplication> RejectingProviderAsync(string body)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", () => Results.Text(body, "application/json", Encoding.UTF8, 400));
        app.MapPost("/v1/embeddings", () => Results.Text(body, "application/json", Encoding.UTF8, 400));
        await app.StartAsync(Ct);
        return app;
    }
}

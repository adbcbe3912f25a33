using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Sluice.Core.Ports;
using Sluice.Server.Api;
using Sluice.Server.Security;

namespace Sluice.Server.Tests.Webhooks;

/// <summary>
/// <c>/v1/webhooks</c>: the secret is shown once, bad input is a 400 problem saying what is wrong, internal addresses are
/// refused, and a tenant never sees or deletes another's webhook. The host runs no stage.
/// </summary>
public sealed class WebhooksApiTests
{
    /// <summary>A public address as a literal: no DNS lookup, and nothing is ever sent (no document changes).</summary>
    private const string PublicUrl = "https://93.184.215.14/hooks/sluice?token=abc";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<SluiceTestHost> StartAsync(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(extra ?? []) { ["Sluice:Stages"] = string.Empty };
        return SluiceTestHost.StartAsync(settings);
    }

    [Fact]
    public async Task Create_AnswersTheSecretOnce_AndListAndGetNeverShowIt()
    {
        await using var host = await StartAsync();
        var client = await host.ClientForAsync("acme");

        using var created = await client.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadAsStringAsync(Ct);
        var webhook = (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(Ct))!;
        Assert.Equal($"/v1/webhooks/{webhook.Id}", created.Headers.Location?.OriginalString);
        Assert.StartsWith("whsec_", webhook.Secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(webhook.Secret["whsec_".Length..]).Length);
        Assert.Equal(StatusChangeTypes.All, webhook.Events);
        Assert.Equal(PublicUrl, webhook.Url);

        var listed = await client.GetStringAsync("/v1/webhooks", Ct);
        var one = await client.GetStringAsync($"/v1/webhooks/{webhook.Id}", Ct);
        Assert.Contains(webhook.Id, listed, StringComparison.Ordinal);
        Assert.Contains(webhook.Id, one, StringComparison.Ordinal);
        foreach (var text in new[] { listed, one })
        {
            Assert.DoesNotContain(webhook.Secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains(webhook.Secret, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_KeepsAGivenSecret_AndASubsetOfEvents_InTheCatalogueOrder()
    {
        await using var host = await StartAsync();
        var secret = "whsec_" + Convert.ToBase64String(new byte[48]);

        using var created = await host.Client.PostAsJsonAsync(
            "/v1/webhooks", new { url = PublicUrl, events = new[] { "document.failed", "document.completed", "document.completed" }, secret }, Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var webhook = (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(Ct))!;
        Assert.Equal(secret, webhook.Secret);
        Assert.Equal(["document.completed", "document.failed"], webhook.Events);
    }

    [Theory]
    [InlineData("""{}""", "Invalid url", "url is required")]
    [InlineData("""{"url":"/relative"}""", "Invalid url", "absolute http or https URL")]
    [InlineData("""{"url":"ftp://93.184.215.14/x"}""", "Invalid url", "absolute http or https URL")]
    [InlineData("""{"url":"https://user:pass@93.184.215.14/x"}""", "Invalid url", "user name or password")]
    [InlineData("""{"url":"https://93.184.215.14/x","events":["document.completed","document.exploded"]}""", "Invalid events",
        "Unknown event type(s): 'document.exploded'. Valid types: document.accepted, document.stage_changed, document.progress, document.completed, document.failed, document.dead_lettered, document.deleted")]
    [InlineData("""{"url":"https://93.184.215.14/x","events":[]}""", "Invalid events", "events must not be empty")]
    [InlineData("""{"url":"https://93.184.215.14/x","secret":"hunter2"}""", "Invalid secret", "whsec_ followed by the base64 of 24 to 64 random bytes")]
    [InlineData("""{"url":"https://93.184.215.14/x","secret":"whsec_AAAA"}""", "Invalid secret", "whsec_ followed by the base64 of 24 to 64 random bytes")]
    public async Task BadInput_IsA400Problem_SayingWhatIsWrong(string json, string title, string detail)
    {
        await using var host = await StartAsync();

        var problem = await PostProblemAsync(host.Client, json);

        Assert.Equal((400, title), (problem.Status, problem.Title));
        Assert.Contains(detail, problem.Detail, StringComparison.Ordinal);
        Assert.Empty(await host.Client.GetFromJsonAsync<List<WebhookResponse>>("/v1/webhooks", Ct) ?? []);
    }

    [Theory]
    [InlineData("http://127.0.0.1/hook", "loopback")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "cloud metadata")]
    [InlineData("http://[::1]/hook", "loopback")]
    [InlineData("http://10.0.0.1/hook", "private")]
    [InlineData("http://[::ffff:192.168.0.1]/hook", "private")]
    public async Task InternalAddresses_AreRefused_WithoutTheSetting(string url, string why)
    {
        await using var host = await StartAsync();

        var problem = await PostProblemAsync(host.Client, System.Text.Json.JsonSerializer.Serialize(new { url }));

        Assert.Equal((400, "Invalid url"), (problem.Status, problem.Title));
        Assert.Contains($"resolves to a {why} address", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowingPrivateNetworks_AcceptsLoopback_ButNeverTheMetadataEndpoint()
    {
        await using var host = await StartAsync(new() { ["Sluice:Webhooks:AllowPrivateNetworks"] = "true" });

        using var loopback = await host.Client.PostAsJsonAsync("/v1/webhooks", new { url = "http://127.0.0.1:9/hook" }, Ct);
        Assert.Equal(HttpStatusCode.Created, loopback.StatusCode);
        var metadata = await PostProblemAsync(host.Client, """{"url":"http://169.254.169.254/"}""");
        Assert.Equal(400, metadata.Status);
        Assert.Contains("cloud metadata", metadata.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherTenantsWebhook_IsA404_LikeAMissingOne_AndStaysInPlace()
    {
        await using var host = await StartAsync();
        var acme = await host.ClientForAsync("acme");
        var globex = await host.ClientForAsync("globex");
        using var created = await acme.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(Ct))!.Id;

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Delete })
        {
            using var missing = await globex.SendAsync(new HttpRequestMessage(method, "/v1/webhooks/wh_nosuchwebhook"), Ct);
            using var hidden = await globex.SendAsync(new HttpRequestMessage(method, $"/v1/webhooks/{id}"), Ct);
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
            var (a, b) = ((await missing.Content.ReadFromJsonAsync<ProblemDetails>(Ct))!, (await hidden.Content.ReadFromJsonAsync<ProblemDetails>(Ct))!);
            Assert.Equal((a.Status, a.Title, a.Detail!.Replace("wh_nosuchwebhook", id, StringComparison.Ordinal)), (b.Status, b.Title, b.Detail));
        }

        Assert.Empty((await globex.GetFromJsonAsync<List<WebhookResponse>>("/v1/webhooks", Ct))!);
        Assert.Equal([id], (await acme.GetFromJsonAsync<List<WebhookResponse>>("/v1/webhooks", Ct))!.Select(w => w.Id));

        using var deleted = await acme.DeleteAsync($"/v1/webhooks/{id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var again = await acme.DeleteAsync($"/v1/webhooks/{id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task AReader_GetsA403_OnEveryRoute()
    {
        await using var host = await StartAsync();
        var reader = await host.ClientForAsync("acme", SluiceRole.Reader);

        using var list = await reader.GetAsync("/v1/webhooks", Ct);
        using var create = await reader.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl }, Ct);
        using var delete = await reader.DeleteAsync("/v1/webhooks/wh_x", Ct);

        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden], new[] { list.StatusCode, create.StatusCode, delete.StatusCode });
    }

    [Fact]
    public async Task ATenant_HasAtMostTheConfiguredNumberOfWebhooks()
    {
        await using var host = await StartAsync(new() { ["Sluice:Webhooks:MaxPerTenant"] = "2" });
        var acme = await host.ClientForAsync("acme");
        var globex = await host.ClientForAsync("globex");

        for (var i = 0; i < 2; i++)
        {
            using var ok = await acme.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl }, Ct);
            Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        }

        var problem = await PostProblemAsync(acme, System.Text.Json.JsonSerializer.Serialize(new { url = PublicUrl }));
        Assert.Equal((409, "Too many webhooks"), (problem.Status, problem.Title));
        Assert.Contains("Sluice:Webhooks:MaxPerTenant", problem.Detail, StringComparison.Ordinal);
        using var other = await globex.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl }, Ct);
        Assert.Equal(HttpStatusCode.Created, other.StatusCode); // the limit is per tenant
    }

    private static async Task<ProblemDetails> PostProblemAsync(HttpClient client, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri("/v1/webhooks", UriKind.Relative), content, Ct);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<ProblemDetails>(Ct))!;
    }
}

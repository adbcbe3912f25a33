using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Server.Api;
using Sluice.Server.DeadLetters;
using Sluice.Server.Security;

namespace Sluice.Server.Tests;

/// <summary>
/// Who sees and replays which dead letters: a writer its own tenant's only (another tenant's answers exactly as a
/// missing one), an admin every tenant's and bulk replays, a reader none. The host runs no stage; the dead letters are
/// saved in the store directly, each with the tenant its event names.
/// </summary>
public sealed class DeadLetterAccessTests
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Sluice:Stages"] = string.Empty,
        ["Sluice:RetryDelays"] = "1s",
    };

    [Fact]
    public async Task AWriter_ListsGetsAndReplaysItsOwnTenantsDeadLettersOnly_AndAnotherTenantsIsA404LikeAMissingOne()
    {
        await using var host = await StartAsync();

        var page = await SendAsync<DeadLetterPage>(host, HttpMethod.Get, "/v1/dead-letters?state=all", "acme", SluiceRole.Writer);
        Assert.Equal(["acme-2", "acme-0"], page.Items.Select(d => d.Id));
        Assert.All(page.Items, d => Assert.Equal("acme", d.Tenant));
        var own = await SendAsync<DeadLetterPage>(host, HttpMethod.Get, "/v1/dead-letters?tenant=acme&stage=embed", "acme", SluiceRole.Writer);
        Assert.Equal(["acme-2", "acme-0"], own.Items.Select(d => d.Id));
        using (var other = await SendAsync(host, HttpMethod.Get, "/v1/dead-letters?tenant=globex", "acme", SluiceRole.Writer))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
            Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal("acme", (await SendAsync<DeadLetterResponse>(host, HttpMethod.Get, "/v1/dead-letters/acme-0", "acme", SluiceRole.Writer)).Tenant);

        // Another tenant's dead letter, one naming no tenant and one that does not exist answer alike.
        var missing = await ProblemAsync(host, HttpMethod.Get, "/v1/dead-letters/no-such-id", "acme", SluiceRole.Writer);
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        foreach (var id in new[] { "globex-1", "poison-3" })
        {
            var hidden = await ProblemAsync(host, HttpMethod.Get, $"/v1/dead-letters/{id}", "acme", SluiceRole.Writer);
            Assert.Equal((missing.Status, missing.Title, missing.Detail!.Replace("no-such-id", id, StringComparison.Ordinal)), (hidden.Status, hidden.Title, hidden.Detail));
            var replay = await ProblemAsync(host, HttpMethod.Post, $"/v1/dead-letters/{id}/replay", "acme", SluiceRole.Writer);
            Assert.Equal(HttpStatusCode.NotFound, replay.Status);
        }

        using (var replayOwn = await SendAsync(host, HttpMethod.Post, "/v1/dead-letters/acme-0/replay", "acme", SluiceRole.Writer))
        {
            Assert.Equal(HttpStatusCode.Accepted, replayOwn.StatusCode);
        }

        var store = host.Services.GetRequiredService<IDeadLetterStore>();
        Assert.Equal("replayed", (await store.GetAsync("acme-0", Ct))!.State);
        Assert.Equal("parked", (await store.GetAsync("globex-1", Ct))!.State);
        Assert.Equal("parked", (await store.GetAsync("poison-3", Ct))!.State);
        Assert.Equal(["doc-0"], (await host.ReadAllAsync(Topics.Retry("embed", FirstRetry))).Select(r => r.Key));
    }

    [Fact]
    public async Task AReader_Gets403OnEveryDeadLetterRoute_AndAWriterOnBulkReplays()
    {
        await using var host = await StartAsync();

        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Get, "/v1/dead-letters"), (HttpMethod.Get, "/v1/dead-letters/acme-0"), (HttpMethod.Post, "/v1/dead-letters/acme-0/replay"),
                     (HttpMethod.Post, "/v1/dead-letters/replay"), (HttpMethod.Get, "/v1/dead-letters/replays/some-job"),
                 })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await ProblemAsync(host, method, path, "acme", SluiceRole.Reader)).Status);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await ProblemAsync(host, HttpMethod.Post, "/v1/dead-letters/replay", "acme", SluiceRole.Writer)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await ProblemAsync(host, HttpMethod.Get, "/v1/dead-letters/replays/some-job", "acme", SluiceRole.Writer)).Status);
        Assert.Equal("parked", (await host.Services.GetRequiredService<IDeadLetterStore>().GetAsync("acme-0", Ct))!.State);
        Assert.Empty(await host.ReadAllAsync(Topics.Retry("embed", FirstRetry)));
    }

    [Fact]
    public async Task AnAdmin_SeesEveryTenantsDeadLetters_FiltersByTenant_AndBulkReplaysOneTenants()
    {
        await using var host = await StartAsync();

        var all = await SendAsync<DeadLetterPage>(host, HttpMethod.Get, "/v1/dead-letters", "ops", SluiceRole.Admin);
        Assert.Equal(["poison-3", "acme-2", "globex-1", "acme-0"], all.Items.Select(d => d.Id));
        Assert.Null(all.Items[0].Tenant);
        var globex = await SendAsync<DeadLetterPage>(host, HttpMethod.Get, "/v1/dead-letters?tenant=globex", "ops", SluiceRole.Admin);
        Assert.Equal(["globex-1"], globex.Items.Select(d => d.Id));
        Assert.Equal("globex", (await SendAsync<DeadLetterResponse>(host, HttpMethod.Get, "/v1/dead-letters/globex-1", "ops", SluiceRole.Admin)).Tenant);
        Assert.Equal(HttpStatusCode.BadRequest, (await ProblemAsync(host, HttpMethod.Get, "/v1/dead-letters?tenant=Not%20Valid", "ops", SluiceRole.Admin)).Status);

        var job = await SendAsync<ReplayJobView>(host, HttpMethod.Post, "/v1/dead-letters/replay?tenant=acme", "ops", SluiceRole.Admin);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (job.State == "running" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
            job = await SendAsync<ReplayJobView>(host, HttpMethod.Get, $"/v1/dead-letters/replays/{job.Id}", "ops", SluiceRole.Admin);
        }

        Assert.Equal(("done", "acme", 2, 2), (job.State, job.Tenant, job.Total, job.Replayed));
        Assert.Equal(["doc-0", "doc-2"], (await host.ReadAllAsync(Topics.Retry("embed", FirstRetry))).Select(r => r.Key).Order());
        var parked = await SendAsync<DeadLetterPage>(host, HttpMethod.Get, "/v1/dead-letters?state=parked", "ops", SluiceRole.Admin);
        Assert.Equal(["poison-3", "globex-1"], parked.Items.Select(d => d.Id));
    }

    [Fact]
    public void TheProjection_TakesTheTenantFromTheEnvelope_AndARecordThatDoesNotParseHasNone()
    {
        var envelope = EventEnvelope.Create(Topics.ChunksCreated, "acme", "doc-1", new { }, "event-1", DateTimeOffset.UtcNow);
        var enveloped = Record(envelope.ToUtf8Json());
        var forgedTenant = Record(Encoding.UTF8.GetBytes("""{"id":"e","type":"t","tenant":"../other","documentId":"d","occurredAt":"2026-01-01T00:00:00Z","data":{}}"""));

        Assert.Equal("acme", DeadLetterProjection.FromRecord(enveloped).Tenant);
        Assert.Null(DeadLetterProjection.FromRecord(Record(Encoding.UTF8.GetBytes("{ not json"))).Tenant);
        Assert.Null(DeadLetterProjection.FromRecord(Record([0xff, 0x00])).Tenant);
        Assert.Null(DeadLetterProjection.FromRecord(forgedTenant).Tenant);

        static ConsumedRecord Record(byte[] value)
            => new(Topics.DeadLetter("embed"), 0, 7, "doc-1", value, new Dictionary<string, string> { [Headers.ConsumerGroup] = "embed" }, DateTimeOffset.UtcNow);
    }

    private static async Task<SluiceTestHost> StartAsync()
    {
        var host = await SluiceTestHost.StartAsync(Settings);
        var store = host.Services.GetRequiredService<IDeadLetterStore>();
        string?[] tenants = ["acme", "globex", "acme", null];
        for (var i = 0; i < tenants.Length; i++)
        {
            var tenant = tenants[i];
            var value = tenant is null
                ? Encoding.UTF8.GetBytes("{ not json")
                : EventEnvelope.Create(Topics.ChunksCreated, tenant, $"doc-{i}", new { }, $"event-{i}", DateTimeOffset.UtcNow).ToUtf8Json();
            await store.SaveAsync(
                new DeadLetter(
                    $"{tenant ?? "poison"}-{i}", "embed", $"doc-{i}", Topics.DeadLetter("embed"), 0, i, $"doc-{i}", value,
                    new Dictionary<string, string> { [Headers.ConsumerGroup] = "embed", [Headers.Attempts] = "3" },
                    DateTimeOffset.UtcNow)
                {
                    Tenant = tenant,
                },
                Ct);
        }

        return host;
    }

    /// <summary>A request made with an API key of <paramref name="tenant"/>'s <paramref name="role"/>.</summary>
    private static async Task<HttpResponseMessage> SendAsync(SluiceTestHost host, HttpMethod method, string path, string tenant, SluiceRole role)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        return await (await host.ClientForAsync(tenant, role)).SendAsync(request, Ct);
    }

    private static async Task<T> SendAsync<T>(SluiceTestHost host, HttpMethod method, string path, string tenant, SluiceRole role)
    {
        using var response = await SendAsync(host, method, path, tenant, role);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path} as {tenant}/{role}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<T>(Ct))!;
    }

    private static async Task<Problem> ProblemAsync(SluiceTestHost host, HttpMethod method, string path, string tenant, SluiceRole role)
    {
        using var response = await SendAsync(host, method, path, tenant, role);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = (await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>(Ct))!;
        return new Problem(response.StatusCode, body.Title, body.Detail);
    }

    private sealed record Problem(HttpStatusCode Status, string? Title, string? Detail);
}

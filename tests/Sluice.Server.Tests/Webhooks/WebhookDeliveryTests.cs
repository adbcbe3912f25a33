using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;
using Sluice.Server.Api;
using Sluice.Server.Webhooks;

namespace Sluice.Server.Tests.Webhooks;

/// <summary>
/// Webhooks end to end: a whole Sluice delivers the status changes of real documents to a receiver on a loopback port
/// (Kestrel), through the relay, the <c>webhooks.deliveries</c> topic and the <c>webhooks</c> stage.
/// </summary>
public sealed class WebhookDeliveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Settings(Dictionary<string, string?>? extra = null) => new(extra ?? [])
    {
        ["Sluice:Webhooks:AllowPrivateNetworks"] = "true", // the receiver is on loopback
        ["Sluice:Webhooks:PollInterval"] = "00:00:00.050",
    };

    private static Task<SluiceTestHost> StartAsync(Dictionary<string, string?> settings, string log = "embedded")
        => SluiceTestHost.StartOnAsync(log, settings, s => s.AddSingleton<IEmbedder, HashingEmbedder>());

    [Fact]
    public async Task Deliveries_AreSigned_WithTheSubscriptionsSecret_AndCarryTheCompletedDocument()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await StartAsync(Settings());
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var webhook = await SubscribeAsync(host, receiver, [StatusChangeTypes.Completed], secret);

        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("A document whose completion a webhook announces."), "announced.txt");
        var done = await host.WaitForTerminalAsync(document.Id);
        await receiver.WaitForAsync(r => r.Accepted.Count >= 1, "the completed document's delivery");

        Assert.Equal("completed", done.Status);
        Assert.DoesNotContain("webhooks", done.Stages.Keys); // beside the pipeline: no document status of its own
        var delivery = Assert.Single(receiver.Accepted);

        // The signature, recomputed here from the secret as any receiver would, without Sluice's code.
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes($"{delivery.Id}.{delivery.Timestamp}.").Concat(delivery.Body).ToArray();
        Assert.Equal("v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed)), delivery.Signature);
        var sentAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(delivery.Timestamp, CultureInfo.InvariantCulture));
        Assert.InRange(sentAt, delivery.At.AddMinutes(-1), delivery.At.AddSeconds(1)); // recent: receivers refuse stale timestamps
        Assert.StartsWith("msg_", delivery.Id, StringComparison.Ordinal);

        var json = delivery.Json;
        Assert.Equal("document.completed", json.GetProperty("type").GetString());
        Assert.True(json.GetProperty("timestamp").TryGetDateTimeOffset(out _));
        var data = json.GetProperty("data");
        Assert.Equal(document.Id, data.GetProperty("documentId").GetString());
        Assert.Equal("default", data.GetProperty("tenant").GetString());
        Assert.Equal("completed", data.GetProperty("state").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, data.GetProperty("error").ValueKind);
        Assert.True(data.GetProperty("position").GetInt64() > 0);
        Assert.Equal(WebhookRelay.DeliveryId(webhook.Id, data.GetProperty("position").GetInt64()), delivery.Id);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task AReceiverThatWasDown_GetsEveryDelivery_OncePerId_WhenItIsBack(string log)
    {
        // Models a receiver that is down for a minute: in production the retry tiers are 10s, 1m, 10m; here they are
        // a second each, and the receiver stays down until every delivery has failed at least twice.
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await StartAsync(Settings(new() { ["Sluice:RetryDelays"] = "1s,1s,1s,1s,1s,1s" }), log);
        var webhook = await SubscribeAsync(host, receiver, [StatusChangeTypes.Accepted, StatusChangeTypes.Completed]);
        receiver.Mode = ReceiverMode.Down;

        var documents = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            documents.Add((await host.AcceptAsync(Encoding.UTF8.GetBytes($"Document {i} for a receiver that is down."), $"down-{i}.txt")).Id);
        }

        foreach (var id in documents)
        {
            Assert.Equal("completed", (await host.WaitForTerminalAsync(id)).Status); // the pipeline does not wait for the receiver
        }

        await receiver.WaitForAsync(
            r => r.Refused.GroupBy(id => id).Count(g => g.Count() >= 2) == 6, "every delivery refused at least twice");
        receiver.Mode = ReceiverMode.Accept;
        await receiver.WaitForAsync(r => r.Accepted.Select(d => d.Id).Distinct().Count() >= 6, "every delivery, once the receiver is back");

        // Exactly the deliveries the change feed calls for: one per (subscription, change), with its deterministic id.
        var feed = host.Services.GetRequiredService<IStatusChangeFeed>();
        var expected = (await feed.ReadAsync("default", 0, 1000, cancellationToken: Ct))
            .Where(c => c.Type is StatusChangeTypes.Accepted or StatusChangeTypes.Completed)
            .Select(c => WebhookRelay.DeliveryId(webhook.Id, c.Position))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(6, expected.Count);
        Assert.Equal(expected.Order(StringComparer.Ordinal), receiver.Accepted.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal));

        // A repeat may only ever be the same delivery again: same id, same body.
        Assert.All(receiver.Accepted.GroupBy(d => d.Id), g => Assert.Single(g.Select(d => Convert.ToBase64String(d.Body)).Distinct()));
    }

    [Fact]
    public async Task AReceiverThatNeverAnswers_DoesNotDelayIngestion()
    {
        const int Documents = 4;
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await StartAsync(Settings(new()
        {
            ["Sluice:Webhooks:Timeout"] = "00:01:00", // far longer than ingestion takes: documents must not wait for it
            ["Sluice:Webhooks:MaxConcurrency"] = "2",
        }));
        await SubscribeAsync(host, receiver, events: null);
        receiver.Mode = ReceiverMode.Hang;

        var started = DateTime.UtcNow;
        var ids = new List<string>();
        for (var i = 0; i < Documents; i++)
        {
            ids.Add((await host.AcceptAsync(Encoding.UTF8.GetBytes($"Document {i} while the receiver hangs."), $"hang-{i}.txt")).Id);
        }

        foreach (var id in ids)
        {
            Assert.Equal("completed", (await host.WaitForTerminalAsync(id, TimeSpan.FromSeconds(45))).Status);
        }

        var took = DateTime.UtcNow - started;
        await receiver.WaitForAsync(r => r.Hanging >= 1, "a delivery held by the receiver");

        Assert.True(took < TimeSpan.FromSeconds(45), $"ingestion took {took}");
        Assert.InRange(receiver.Hanging, 1, 2); // deliveries in flight are bounded by Sluice:Webhooks:MaxConcurrency
        Assert.Empty(receiver.Accepted);
    }

    [Fact]
    public async Task ExhaustedDeliveries_AreDeadLettered_VisibleThroughTheApi_AndAReplayDeliversThemWithTheSameId()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await StartAsync(Settings(new()
        {
            ["Sluice:RetryDelays"] = "1s",
            ["Sluice:Webhooks:ClientErrorAttempts"] = "2",
        }));
        await SubscribeAsync(host, receiver, [StatusChangeTypes.Completed]);
        receiver.Mode = ReceiverMode.Reject;

        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("A document whose webhook is refused."), "refused.txt");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(document.Id)).Status);
        var dead = await WaitForDeadLetterAsync(host);

        Assert.Equal(("webhooks", "default", document.Id, "parked"), (dead.Stage, dead.Tenant, dead.DocumentId, dead.State));
        Assert.Equal(2, dead.Attempts);
        Assert.Equal("permanent", dead.ErrorType);
        Assert.Contains("the receiver answered 400", dead.Error, StringComparison.Ordinal);
        Assert.Equal(2, receiver.Refused.Count);
        var done = await host.GetAsync(document.Id);
        Assert.Equal("completed", done.Status); // the document is not dead-lettered by its webhook
        Assert.Null(done.Error);

        receiver.Mode = ReceiverMode.Accept;
        using var replay = await host.Client.PostAsync(new Uri($"/v1/dead-letters/{dead.Id}/replay", UriKind.Relative), null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        await receiver.WaitForAsync(r => r.Accepted.Count >= 1, "the replayed delivery");

        Assert.Equal(receiver.Refused[0], Assert.Single(receiver.Accepted).Id);
    }

    private static async Task<CreatedWebhookResponse> SubscribeAsync(
        SluiceTestHost host, WebhookReceiver receiver, string[]? events, string? secret = null)
    {
        using var response = await host.Client.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url.ToString(), events, secret }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedWebhookResponse>(Ct))!;
    }

    private static async Task<DeadLetterResponse> WaitForDeadLetterAsync(SluiceTestHost host)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var page = await host.Client.GetFromJsonAsync<DeadLetterPage>("/v1/dead-letters?stage=webhooks", Ct);
            if (page!.Items.Count > 0)
            {
                return Assert.Single(page.Items);
            }

            Assert.True(DateTime.UtcNow < until, "no webhook dead letter appeared");
            await Task.Delay(100, Ct);
        }
    }
}

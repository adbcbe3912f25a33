using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;
using Sluice.Server.Api;
using Sluice.Server.Tests.Hardening;

namespace Sluice.Server.Tests.Webhooks;

/// <summary>A webhook's secret, its signatures and its URL's query never reach the log, at any level.</summary>
public sealed class WebhookNoLeakTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreatingAndDeliveringAWebhook_AtTraceLevel_LogsNoSecret()
    {
        const string UrlToken = "url-token-7d41c9e2";
        var logs = new CapturedLogs();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await SluiceTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Sluice:Webhooks:AllowPrivateNetworks"] = "true",
                ["Sluice:Webhooks:PollInterval"] = "00:00:00.050",
                ["Sluice:RetryDelays"] = "1s",
            },
            s =>
            {
                logs.AddTo(s);
                s.AddSingleton<IEmbedder, HashingEmbedder>();
            });
        var url = receiver.Url + "?token=" + UrlToken;
        using var created = await host.Client.PostAsJsonAsync("/v1/webhooks", new { url, events = new[] { StatusChangeTypes.Completed } }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var secret = (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(Ct))!.Secret;

        // One delivery refused (logged as a failure, retried), then accepted.
        receiver.Mode = ReceiverMode.Reject;
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("A document whose webhook must not leak."), "quiet.txt");
        await host.WaitForTerminalAsync(document.Id);
        await receiver.WaitForAsync(r => r.Refused.Count >= 1, "the refused attempt");
        receiver.Mode = ReceiverMode.Accept;
        await receiver.WaitForAsync(r => r.Accepted.Count >= 1, "the delivery");
        var signature = receiver.Accepted[0].Signature;

        Assert.NotEmpty(logs.Containing("the receiver answered 400")); // not vacuous: the delivery path was logged
        foreach (var (name, value) in new[]
                 {
                     ("the secret", secret), ("the secret's key", secret["whsec_".Length..]), ("a signature", signature["v1,".Length..]),
                     ("the URL's query", UrlToken),
                 })
        {
            var leaks = logs.Containing(value);
            Assert.True(leaks.Count == 0, $"{name} was logged {leaks.Count} time(s), e.g.: {leaks.FirstOrDefault()}");
        }
    }
}

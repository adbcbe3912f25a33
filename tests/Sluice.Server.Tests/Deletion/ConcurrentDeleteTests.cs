using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Server.Api;

namespace Sluice.Server.Tests.Deletion;

/// <summary>
/// Blobs are content-addressed and shared: a delete must never remove bytes that an upload racing it has just been
/// acknowledged for, whether the upload is the same tenant's (the same document, next revision) or another's.
/// </summary>
public sealed class ConcurrentDeleteTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DeleteRacingUploadsOfTheSameBytes_ThousandRounds_EveryAcknowledgedUploadCompletes()
    {
        const int rounds = 1000;
        await using var host = await SluiceTestHost.StartAsync(services: s => s.AddSingleton<IEmbedder, HashingEmbedder>());
        var bytes = Encoding.UTF8.GetBytes(
            "Shared bytes. Two tenants upload this very text while one of them keeps deleting it. The blob store keeps it once.");
        var first = await UploadAsync(host, "a", bytes);
        Assert.Equal(HttpStatusCode.Accepted, first);

        var acknowledged = 0;
        for (var round = 0; round < rounds; round++)
        {
            // Tenant a deletes its document while it and tenant b upload the same bytes again.
            var delete = DeleteAsync(host, "a", Ids.Document("a", Sha256(bytes)));
            var again = UploadAsync(host, "a", bytes);
            var other = UploadAsync(host, "b", bytes);
            await Task.WhenAll(delete, again, other);
            Assert.Contains(await delete, new[] { HttpStatusCode.NoContent, HttpStatusCode.NotFound });
            foreach (var upload in new[] { await again, await other })
            {
                Assert.True(upload is HttpStatusCode.Accepted or HttpStatusCode.OK, $"round {round}: upload answered {(int)upload}");
                acknowledged += upload == HttpStatusCode.Accepted ? 1 : 0;
            }
        }

        Assert.True(acknowledged > rounds / 2, $"only {acknowledged} uploads were new documents; the race was not exercised");

        // Whoever is left must complete: its bytes are there. And no stage ever found a blob missing.
        var a = await UploadAsync(host, "a", bytes);
        Assert.True(a is HttpStatusCode.Accepted or HttpStatusCode.OK);
        foreach (var tenant in new[] { "a", "b" })
        {
            var document = await WaitForTerminalAsync(host, tenant, Ids.Document(tenant, Sha256(bytes)));
            Assert.True(document.Status == "completed", $"tenant {tenant}'s document ended {document.Status}: {document.Error?.Stage} {document.Error?.Reason}");
        }

        var deadLetters = await host.ReadAllAsync([.. StageNames.Pipeline.Select(Topics.DeadLetter)]);
        var reasons = deadLetters.GroupBy(d => d.Headers.GetValueOrDefault(Headers.ErrorMessage)).Select(g => $"{g.Count()} × {g.Key}");
        Assert.True(deadLetters.Count == 0, $"dead letters: {string.Join("; ", reasons)}");
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    private static async Task<HttpStatusCode> UploadAsync(SluiceTestHost host, string tenant, byte[] bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/documents?filename=shared.txt") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        using var response = await (await host.ClientForAsync(tenant)).SendAsync(request, Ct);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> DeleteAsync(SluiceTestHost host, string tenant, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/v1/documents/{id}");
        using var response = await (await host.ClientForAsync(tenant)).SendAsync(request, Ct);
        return response.StatusCode;
    }

    private static async Task<DocumentResponse> WaitForTerminalAsync(SluiceTestHost host, string tenant, string id)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/documents/{id}");
            using var response = await (await host.ClientForAsync(tenant)).SendAsync(request, timeout.Token);
            var document = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<DocumentResponse>(response.Content, timeout.Token);
            if (document!.Status is "completed" or "failed" or "dead_lettered")
            {
                return document;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}

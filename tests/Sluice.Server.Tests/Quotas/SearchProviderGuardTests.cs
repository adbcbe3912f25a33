using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;
using Sluice.Server.Dev;

namespace Sluice.Server.Tests.Quotas;

/// <summary>Search embeds its queries behind a provider guard of its own, so a search flood cannot stop ingestion.</summary>
public sealed class SearchProviderGuardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFloodOfFailingSearches_OpensTheSearchCircuit_ButTheIngestionEmbedderStillCallsTheEndpoint()
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(new FakeLlmOptions { Rate500 = 1 }, Ct);
        await using var host = await SluiceTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sluice:Stages"] = "",
            ["Sluice:Embedder"] = "openai",
            ["Sluice:Embedding:OpenAi:Endpoint"] = endpoint.ToString(),
            ["Sluice:Embedding:OpenAi:Model"] = "fake-embed",
            ["Sluice:Embedding:OpenAi:Dimensions"] = "64",
            ["Sluice:Embedding:OpenAi:CircuitMinimumThroughput"] = "3",
            ["Sluice:Embedding:OpenAi:CircuitBreakDuration"] = "00:05:00",
        });
        using var client = await TenantClient.ForAsync(host, "tenant-a");

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++)
        {
            answers.Add(await client.GetAsync(new Uri($"/v1/search?q=flood+{i}&mode=vector", UriKind.Relative), Ct));
        }

        // Every search is refused as unavailable, with a time to come back; after three failures the search guard's
        // circuit is open and the endpoint sees no more of them.
        Assert.All(answers, a => QuotaTestKit.AssertStatus(a, HttpStatusCode.ServiceUnavailable));
        Assert.All(answers, a => Assert.True(a.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        var open = await QuotaTestKit.ProblemAsync(answers[^1], HttpStatusCode.ServiceUnavailable);
        Assert.Contains("paused", open.Detail, StringComparison.Ordinal);
        Assert.Equal(3, fake.Stats.EmbeddingRequests);

        // The embedder the embed stage uses goes through its own guard, whose circuit saw none of that: it still calls.
        var ingestion = host.Services.GetRequiredService<IEmbedder>();
        var failure = await Assert.ThrowsAsync<ProviderException>(() => ingestion.EmbedAsync(["a chunk of a document"], Ct));
        Assert.False(failure.IsCircuitOpen);
        Assert.Equal(4, fake.Stats.EmbeddingRequests);
        answers.ForEach(a => a.Dispose());
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Processing;
using Sluice.Server.Dev;

namespace Sluice.Server.Tests.Llm;

public sealed class FakeLlmServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_reject_rule_is_a_deterministic_function_of_the_content()
    {
        var options = new FakeLlmOptions { RejectRate = 0.3 };
        var contents = Enumerable.Range(0, 400).Select(i => $"document {i}").ToList();

        var first = contents.Select(c => FakeLlmServer.Rejects(c, options)).ToList();
        var again = contents.Select(c => FakeLlmServer.Rejects(c, new FakeLlmOptions { RejectRate = 0.3, Seed = 99 })).ToList();

        Assert.Equal(first, again);
        Assert.InRange(first.Count(r => r), 60, 180);
        Assert.All(contents, c => Assert.False(FakeLlmServer.Rejects(c, new FakeLlmOptions())));
        Assert.True(FakeLlmServer.Rejects("has a MARK inside", new FakeLlmOptions { RejectMarker = "MARK" }));
    }

    [Fact]
    public async Task A_rejected_document_is_rejected_on_every_retry_and_others_pass()
    {
        var options = new FakeLlmOptions { RejectRate = 0.5 };
        var rejected = Enumerable.Range(0, 100).Select(i => $"Document {i}. Body.").First(c => FakeLlmServer.Rejects(c, options));
        var accepted = Enumerable.Range(0, 100).Select(i => $"Document {i}. Body.").First(c => !FakeLlmServer.Rejects(c, options));
        await using var kit = await LlmTestKit.StartAsync(options);

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var failure = await Assert.ThrowsAsync<Sluice.Core.Ports.ProviderException>(() => kit.Summarizer.SummarizeAsync(rejected, Ct));
            Assert.False(failure.IsTransient);
        }

        Assert.NotEmpty(await kit.Summarizer.SummarizeAsync(accepted, Ct));
        Assert.Equal(3, kit.Fake.Stats.Rejected);
    }

    [Fact]
    public async Task Stats_are_served_over_http_and_count_outcomes()
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(new FakeLlmOptions { RejectMarker = "NO" }, Ct);
        using var http = new HttpClient();

        using var ok = await http.PostAsJsonAsync(new Uri(endpoint + "/chat/completions"), new { model = "m", messages = new[] { new { role = "user", content = "Yes. Fine." } } }, Ct);
        using var bad = await http.PostAsJsonAsync(new Uri(endpoint + "/chat/completions"), new { model = "m", messages = new[] { new { role = "user", content = "NO" } } }, Ct);
        var stats = await http.GetFromJsonAsync<FakeLlmStats>(new Uri(endpoint, "/stats"), new JsonSerializerOptions(JsonSerializerDefaults.Web), Ct);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull(stats);
        Assert.Equal(2, stats.Requests);
        Assert.Equal(1, stats.Succeeded);
        Assert.Equal(1, stats.Rejected);
        Assert.Equal(fake.Stats, stats);
    }

    [Fact]
    public async Task The_remote_embedder_through_its_guard_gets_deterministic_vectors()
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(new FakeLlmOptions { EmbeddingDimensions = 64 }, Ct);
        var options = new OpenAiEmbedderOptions { Endpoint = endpoint, Model = "fake-embed", Dimensions = 64, BatchSize = 2, MaxConcurrency = 1 };
        using var guard = new ProviderGuard("The embedding endpoint", options.ToGuardOptions());
        using var embedder = new OpenAiCompatibleEmbedder(options, httpClient: null, guard);

        var vectors = await embedder.EmbedAsync(["claim check pattern", "consumer groups", "claim check pattern"], Ct);

        Assert.Equal(3, vectors.Count);
        Assert.All(vectors, v => Assert.Equal(64, v.Length));
        Assert.All(vectors, v => Assert.InRange(System.Numerics.Tensors.TensorPrimitives.Norm(v), 0.999f, 1.001f));
        Assert.Equal(vectors[0], vectors[2]);
        Assert.NotEqual(vectors[0], vectors[1]);
        Assert.Equal(2, fake.Stats.EmbeddingRequests);
    }

    [Fact]
    public async Task The_remote_embedder_through_its_guard_maps_a_429()
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(new FakeLlmOptions { Rate429 = 1, RetryAfterSeconds = 3 }, Ct);
        var options = new OpenAiEmbedderOptions { Endpoint = endpoint, Model = "fake-embed", Dimensions = 384 };
        using var guard = new ProviderGuard("The embedding endpoint", options.ToGuardOptions());
        using var embedder = new OpenAiCompatibleEmbedder(options, httpClient: null, guard);

        var failure = await Assert.ThrowsAsync<Sluice.Core.Ports.ProviderException>(() => embedder.EmbedAsync(["text"], Ct));

        Assert.True(failure.IsTransient);
        Assert.Equal(TimeSpan.FromSeconds(3), failure.RetryAfter);
    }
}

using Sluice.Embedded;
using Sluice.Processing;
using Sluice.Server.Dev;

namespace Sluice.Server.Tests.Llm;

public sealed class LlmSummarizerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_short_text_is_summarized_in_one_request_through_the_chat_client()
    {
        await using var kit = await LlmTestKit.StartAsync();
        const string text = "Sluice ingests documents without blocking uploads. Stages run over a durable log. Summaries come last.";

        var summary = await kit.Summarizer.SummarizeAsync(text, Ct);

        Assert.Equal("Sluice ingests documents without blocking uploads. Stages run over a durable log.", summary);
        Assert.Equal(1, kit.Fake.Stats.ChatRequests);
        Assert.Equal("llm:fake", kit.Summarizer.Info.Name);
        Assert.Equal(LlmOptions.DefaultPromptVersion, kit.Summarizer.Info.Version);
    }

    [Fact]
    public async Task An_empty_text_needs_no_request()
    {
        await using var kit = await LlmTestKit.StartAsync();

        Assert.Equal("", await kit.Summarizer.SummarizeAsync("  \n ", Ct));
        Assert.Equal(0, kit.Fake.Stats.Requests);
    }

    [Fact]
    public async Task A_text_longer_than_the_context_is_map_reduced_in_rounds_to_a_short_summary()
    {
        // 512 tokens of context, 100 for the answer: pieces of about 600 characters, so 20,000 characters take
        // dozens of map requests and more than one reduce round (more requests than the default cap allows: no cap here).
        await using var kit = await LlmTestKit.StartAsync(configure: o => (o.ContextTokens, o.MaxSummaryTokens, o.MaxRequestsPerDocument) = (512, 100, 0));
        var text = LlmTestKit.LongText(20_000);
        var mapRequests = text.Length / kit.Summarizer.MaxPieceCharacters;

        var summary = await kit.Summarizer.SummarizeAsync(text, Ct);

        var requests = kit.Fake.Stats.ChatRequests;
        Assert.True(requests > mapRequests + 2, $"{requests} requests for at least {mapRequests} pieces: expected map, then reduce rounds");
        Assert.True(summary.Length < 400, summary);

        // The fake answers with a text's first two sentences, so they survive every round.
        Assert.Equal(FakeLlmServer.Summarize(text), summary);
    }

    [Fact]
    public async Task A_piece_the_provider_rejects_fails_the_whole_long_document_permanently()
    {
        await using var kit = await LlmTestKit.StartAsync(
            new FakeLlmOptions { RejectMarker = "POISON", Latency = TimeSpan.FromMilliseconds(50) },
            o => (o.ContextTokens, o.MaxSummaryTokens) = (512, 100));
        var text = LlmTestKit.LongText(6_000) + "\n\nThe last paragraph holds POISON for the provider.";

        var failure = await Assert.ThrowsAsync<Sluice.Core.Ports.ProviderException>(() => kit.Summarizer.SummarizeAsync(text, Ct));

        Assert.False(failure.IsTransient);
        Assert.Equal(1, kit.Fake.Stats.Rejected);
    }

    [Fact]
    public async Task A_cached_summary_costs_no_request_also_after_a_restart()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sluice-tests", Guid.NewGuid().ToString("N"));
        var path = Path.Combine(directory, "llm-cache.db");
        try
        {
            var text = LlmTestKit.LongText(8_000);
            string first;
            await using (var kit = await LlmTestKit.StartAsync(configure: o => (o.ContextTokens, o.MaxSummaryTokens) = (1024, 100), cache: new SqliteLlmSummaryCache(path)))
            {
                first = await kit.Summarizer.SummarizeAsync(text, Ct);
                var afterFirst = kit.Fake.Stats.Requests;
                Assert.True(afterFirst > 1);

                Assert.Equal(first, await kit.Summarizer.SummarizeAsync(text, Ct));
                Assert.Equal(afterFirst, kit.Fake.Stats.Requests);
            }

            await using (var restarted = await LlmTestKit.StartAsync(configure: o => (o.ContextTokens, o.MaxSummaryTokens) = (1024, 100), cache: new SqliteLlmSummaryCache(path)))
            {
                Assert.Equal(first, await restarted.Summarizer.SummarizeAsync(text, Ct));
                Assert.Equal(0, restarted.Fake.Stats.Requests);
            }

            // Another model or prompt version is another key.
            await using var other = await LlmTestKit.StartAsync(configure: o => (o.ContextTokens, o.MaxSummaryTokens, o.PromptVersion) = (1024, 100, "v2"), cache: new SqliteLlmSummaryCache(path));
            await other.Summarizer.SummarizeAsync(text, Ct);
            Assert.True(other.Fake.Stats.Requests > 0);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public void A_context_too_small_for_two_summaries_is_refused()
    {
        var options = new LlmOptions { Endpoint = new Uri("http://127.0.0.1:1/v1"), Model = "m", ContextTokens = 600, MaxSummaryTokens = 300 };

        Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(() => LlmSummarizer.CreateChatClient(options));
    }
}

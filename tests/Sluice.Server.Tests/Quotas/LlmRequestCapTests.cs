using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;
using Sluice.Processing;
using Sluice.Server.Dev;
using Sluice.Server.Tests.Llm;

namespace Sluice.Server.Tests.Quotas;

/// <summary><c>Sluice:Llm:MaxRequestsPerDocument</c>: a long document's map-reduce never sends more requests than that.</summary>
public sealed class LlmRequestCapTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_text_with_more_pieces_than_the_cap_allows_is_refused_before_any_request()
    {
        // 512 tokens of context, 100 for the answer: pieces of about 600 characters, so 20,000 characters are 30+ pieces.
        await using var kit = await LlmTestKit.StartAsync(configure: o => (o.ContextTokens, o.MaxSummaryTokens, o.MaxRequestsPerDocument) = (512, 100, 10));

        var refused = await Assert.ThrowsAsync<SummaryRefusedException>(() => kit.Summarizer.SummarizeAsync(LlmTestKit.LongText(20_000), Ct));

        Assert.Contains("at least", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Sluice:Llm:MaxRequestsPerDocument (10)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, kit.Fake.Stats.Requests);
    }

    [Fact]
    public async Task A_text_whose_reduce_rounds_go_over_the_cap_stops_at_the_cap()
    {
        var text = LlmTestKit.LongText(20_000);
        int needed;
        await using (var uncapped = await LlmTestKit.StartAsync(configure: o => (o.ContextTokens, o.MaxSummaryTokens, o.MaxRequestsPerDocument) = (512, 100, 0)))
        {
            await uncapped.Summarizer.SummarizeAsync(text, Ct);
            needed = (int)uncapped.Fake.Stats.ChatRequests;
        }

        // One request fewer than the whole run needs: the map fits (there are reduce rounds after it), the last round does not.
        var cap = needed - 1;
        await using var kit = await LlmTestKit.StartAsync(configure: o => (o.ContextTokens, o.MaxSummaryTokens, o.MaxRequestsPerDocument) = (512, 100, cap));

        var refused = await Assert.ThrowsAsync<SummaryRefusedException>(() => kit.Summarizer.SummarizeAsync(text, Ct));

        Assert.Contains($"took more than Sluice:Llm:MaxRequestsPerDocument ({cap})", refused.Message, StringComparison.Ordinal);
        Assert.InRange(kit.Fake.Stats.ChatRequests, 1, cap);
    }

    [Fact]
    public async Task The_summarize_stage_fails_such_a_document_permanently_with_the_reason_and_the_rest_of_the_pipeline_completes()
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(cancellationToken: Ct);
        await using var host = await SluiceTestHost.StartAsync(
            SluiceTestHost.LlmSettings(endpoint, new()
            {
                ["Sluice:Llm:ContextTokens"] = "512",
                ["Sluice:Llm:MaxSummaryTokens"] = "100",
                ["Sluice:Llm:MaxRequestsPerDocument"] = "3",
            }),
            s => s.AddSingleton<IEmbedder, HashingEmbedder>());

        var accepted = await host.AcceptAsync(Encoding.UTF8.GetBytes(LlmTestKit.LongText(6_000)), "long.txt");
        var done = await host.WaitForTerminalAsync(accepted.Id, TimeSpan.FromSeconds(90));

        Assert.Equal("dead_lettered", done.Status);
        var summarize = done.Stages["summarize"];
        Assert.Equal("dead_lettered", summarize.Status);
        Assert.Equal("permanent", summarize.ErrorType);
        Assert.Equal(1, summarize.Attempts);
        Assert.Contains("Sluice:Llm:MaxRequestsPerDocument (3)", summarize.Error, StringComparison.Ordinal);
        Assert.Equal(0, fake.Stats.ChatRequests);

        // The rest of the pipeline goes on (the document may read dead_lettered before index has started).
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        waiting.CancelAfter(TimeSpan.FromSeconds(60));
        while ((await host.GetAsync(accepted.Id)).Stages["index"].Status != "succeeded")
        {
            await Task.Delay(50, waiting.Token);
        }
    }
}

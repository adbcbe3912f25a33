using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;
using Sluice.Server.Dev;

namespace Sluice.Server.Tests.Llm;

/// <summary>The LLM goes down for a while: its circuit opens, summarize stops spending attempts, and everything drains after recovery.</summary>
public sealed class LlmOutageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnLlmOutage_OpensTheCircuit_PausesSummaries_AndEverythingCompletesAfterRecovery_WithNoDeadLetter()
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(new FakeLlmOptions { Rate500 = 1.0 }, Ct);
        await using var host = await SluiceTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Sluice:Summarizer"] = "llm",
                ["Sluice:Llm:Endpoint"] = endpoint.ToString(),
                ["Sluice:Llm:Model"] = "fake-chat",
                ["Sluice:Llm:CircuitMinimumThroughput"] = "3",
                ["Sluice:Llm:CircuitBreakDuration"] = "00:00:02",
                ["Sluice:RetryDelays"] = "1s,1s,1s,1s,1s,1s",
            },
            s => s.AddSingleton<IEmbedder, HashingEmbedder>());

        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var text = $"Document {i} arrives during an outage. Its summary must wait. Nothing may be lost while the model is down.";
            ids.Add((await host.AcceptAsync(Encoding.UTF8.GetBytes(text), $"outage-{i}.txt")).Id);
        }

        await Task.Delay(TimeSpan.FromSeconds(7), Ct);
        var duringOutage = fake.Stats.ServerErrors;
        fake.Options = new FakeLlmOptions { Rate500 = 0 };

        foreach (var id in ids)
        {
            var done = await host.WaitForTerminalAsync(id, TimeSpan.FromSeconds(90));
            Assert.Equal("completed", done.Status);
            Assert.NotNull(await host.Services.GetRequiredService<ISummaryStore>().GetAsync(id, Ct));
        }

        // Without the circuit, 8 documents retried every second for 7 seconds would have sent about 56 requests.
        Assert.InRange(duringOutage, 3, 30);
        var parked = await host.Services.GetRequiredService<IDeadLetterStore>().ListAsync(null, parkedOnly: false, 100, null, Ct);
        Assert.Empty(parked);
    }

    [Fact]
    public async Task RateLimitedAnswers_WithRetryAfter_AreWaitedFor_AndNothingIsDeadLettered()
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(new FakeLlmOptions { Rate429 = 0.3, RetryAfterSeconds = 2, Seed = 7 }, Ct);
        await using var host = await SluiceTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Sluice:Summarizer"] = "llm",
                ["Sluice:Llm:Endpoint"] = endpoint.ToString(),
                ["Sluice:Llm:Model"] = "fake-chat",
                ["Sluice:RetryDelays"] = "1s,1s,1s,1s,1s,1s",
            },
            s => s.AddSingleton<IEmbedder, HashingEmbedder>());

        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var text = $"Document {i} meets a rate limit. The provider says when to come back. Sluice waits that long.";
            ids.Add((await host.AcceptAsync(Encoding.UTF8.GetBytes(text), $"limited-{i}.txt")).Id);
        }

        foreach (var id in ids)
        {
            Assert.Equal("completed", (await host.WaitForTerminalAsync(id, TimeSpan.FromSeconds(90))).Status);
        }

        Assert.True(fake.Stats.RateLimited > 0, "the fake should have answered some requests with 429");
        Assert.Empty(await host.Services.GetRequiredService<IDeadLetterStore>().ListAsync(null, parkedOnly: false, 100, null, Ct));
    }
}

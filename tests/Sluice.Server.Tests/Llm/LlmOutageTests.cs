using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Server.Api;
using Sluice.Server.Dev;

namespace Sluice.Server.Tests.Llm;

/// <summary>
/// A failing LLM provider, on the embedded log and on Kafka: an outage opens the circuit and pauses summaries
/// without spending their attempts, rate limits are waited out, and what was dead-lettered is summarized once
/// when replayed.
/// </summary>
public sealed class LlmOutageTests
{
    private const int Documents = 8;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task AnLlmOutage_OpensTheCircuit_PausesSummaries_AndEverythingCompletesAfterRecovery_WithNoDeadLetter(string log)
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(new FakeLlmOptions { Rate500 = 1.0 }, Ct);
        var pauses = new PauseWatch();
        await using var host = await SluiceTestHost.StartOnAsync(
            log,
            SluiceTestHost.LlmSettings(endpoint, new()
            {
                ["Sluice:Llm:CircuitMinimumThroughput"] = "3",
                ["Sluice:Llm:CircuitBreakDuration"] = "00:00:02",
                ["Sluice:RetryDelays"] = "1s,1s,1s,1s,1s,1s",
            }),
            s =>
            {
                s.AddSingleton<IEmbedder, HashingEmbedder>();
                pauses.Watch(s);
            });

        var ids = await UploadAsync(host, "arrives during an outage. Its summary must wait. Nothing may be lost while the model is down.");

        // The outage is timed from the failures that open the circuit (on Kafka the stages first join their groups).
        await WaitUntilAsync(() => fake.Stats.ServerErrors >= 3, "the summaries never reached the failing provider");
        var opened = fake.Stats.ServerErrors;
        var outage = System.Diagnostics.Stopwatch.StartNew();
        StageResponse? circuitWait = null;
        while (outage.Elapsed < TimeSpan.FromSeconds(14))
        {
            // A record the open circuit holds shows as retrying, with the end of the break as its next attempt.
            foreach (var id in circuitWait is null ? ids : [])
            {
                if ((await host.GetAsync(id)).Stages["summarize"] is { Status: "retrying", NextAttemptAt: not null, Error: { } error } stage
                    && error.Contains("circuit open", StringComparison.Ordinal))
                {
                    circuitWait = stage;
                }
            }

            await Task.Delay(200, Ct);
        }

        var duringOutage = fake.Stats.ServerErrors - opened;
        var beforeRecovery = await Task.WhenAll(ids.Select(host.GetAsync));
        fake.Options = new FakeLlmOptions { Rate500 = 0 };

        // Without a circuit, 8 documents retried every second would have sent their 56 attempts (7 each) within the
        // outage, and all been dead-lettered. Were the open circuit's refusals counted as attempts, each document would
        // spend one per break (2 s) and be dead-lettered after about 12 s. With the circuit open, the stage pauses and
        // only a probe per break reaches the provider: a handful of attempts spent in all, none dead-lettered.
        Assert.InRange(duringOutage, 1, 14);
        Assert.All(beforeRecovery, d => Assert.NotEqual("completed", d.Status));
        Assert.All(beforeRecovery, d => Assert.NotEqual("dead_lettered", d.Status));

        // The open circuit paused every partition of the summarize stage, and of no other stage; nothing was read from a paused partition.
        Assert.True(pauses.FullPauses("summarize") >= 1, "the summarize stage never paused its input while the circuit was open");
        Assert.All(new[] { "extract", "chunk", "embed", "index" }, stage => Assert.Equal(0, pauses.FullPauses(stage)));
        Assert.Empty(pauses.Violations);
        Assert.NotNull(circuitWait);

        var completed = new List<DocumentResponse>();
        foreach (var id in ids)
        {
            var done = await host.WaitForTerminalAsync(id, TimeSpan.FromSeconds(60));
            Assert.Equal("completed", done.Status);
            completed.Add(done);
        }

        // An attempt is spent only by a request that reached the provider and failed, never by a refusal of the open circuit.
        var failures = fake.Stats.ServerErrors;
        var spent = completed.Sum(d => d.Stages["summarize"].Attempts - 1);
        Assert.InRange(spent, 1, failures);
        await AssertSummarizedOnceAsync(host, ids, fake);
        Assert.Empty(await host.ReadAllAsync(Topics.DeadLetter("summarize")));
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task RateLimitedAnswers_WithRetryAfter_AreWaitedFor_AndNothingIsDeadLettered(string log)
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(new FakeLlmOptions { Rate429 = 1.0, RetryAfterSeconds = 2 }, Ct);
        await using var host = await SluiceTestHost.StartOnAsync(
            log,
            SluiceTestHost.LlmSettings(endpoint, new()
            {
                ["Sluice:Llm:CircuitMinimumThroughput"] = "1000", // a burst of 429s would open it; this test is about the waits
                ["Sluice:RetryDelays"] = "1s,1s,1s,1s,1s,1s",
            }),
            s => s.AddSingleton<IEmbedder, HashingEmbedder>());

        var ids = await UploadAsync(host, "meets a rate limit. The provider says when to come back. Sluice waits that long.");

        // The first requests are all rate limited, then none.
        await WaitUntilAsync(() => fake.Stats.RateLimited >= 4, "the summaries never reached the rate-limited provider");
        fake.Options = new FakeLlmOptions();

        var completed = new Dictionary<string, DocumentResponse>();
        foreach (var id in ids)
        {
            completed[id] = await host.WaitForTerminalAsync(id, TimeSpan.FromSeconds(60));
            Assert.Equal("completed", completed[id].Status);
        }

        // Each 429 sent its document to the retry tier, due after the provider's 2 s rather than the tier's 1 s,
        // and the stage took it up only once it was due.
        var limited = fake.Stats.RateLimited;
        var retried = await host.ReadAllAsync(Topics.Retry("summarize", TimeSpan.FromSeconds(1)));
        Assert.Equal(limited, retried.Count);
        foreach (var retry in retried)
        {
            Assert.Equal("transient", retry.Headers[Headers.ErrorType]);
            var failedAt = DateTimeOffset.Parse(retry.Headers[Headers.FailedAt], CultureInfo.InvariantCulture);
            var due = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(retry.Headers[Headers.NotBefore], CultureInfo.InvariantCulture));
            Assert.InRange(due - failedAt, TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(3)); // both times are read separately, to the millisecond
        }

        foreach (var document in retried.GroupBy(r => r.Key))
        {
            var summarize = completed[document.Key].Stages["summarize"];
            Assert.Equal(document.Count() + 1, summarize.Attempts);
            var lastDue = document.Max(r => long.Parse(r.Headers[Headers.NotBefore], CultureInfo.InvariantCulture));
            Assert.True(summarize.StartedAt!.Value.ToUnixTimeMilliseconds() >= lastDue, $"{document.Key}'s last attempt started before its retry was due");
        }

        await AssertSummarizedOnceAsync(host, ids, fake);
        Assert.Empty(await host.ReadAllAsync(Topics.DeadLetter("summarize")));
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task SummariesThatExhaustedTheirRetries_AreDeadLettered_AndReplayingThem_SummarizesEachDocumentOnce(string log)
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(new FakeLlmOptions { Rate500 = 1.0 }, Ct);
        await using var host = await SluiceTestHost.StartOnAsync(
            log,
            SluiceTestHost.LlmSettings(endpoint, new()
            {
                ["Sluice:Llm:CircuitMinimumThroughput"] = "1000", // every attempt reaches the provider: nothing pauses
                ["Sluice:RetryDelays"] = "1s",
            }),
            s => s.AddSingleton<IEmbedder, HashingEmbedder>());

        var ids = await UploadAsync(host, "is parked while the model fails. It is replayed once the model is back. One summary, not two.", count: 3);
        foreach (var id in ids)
        {
            Assert.Equal("dead_lettered", (await host.WaitForTerminalAsync(id, TimeSpan.FromSeconds(60))).Status);
        }

        Assert.Equal(2 * ids.Count, fake.Stats.ServerErrors); // two attempts each: the first and one retry tier
        List<DeadLetterResponse> parked = [];
        for (var i = 0; i < 100 && parked.Count < ids.Count; i++)
        {
            await Task.Delay(100, Ct);
            var page = await host.Client.GetFromJsonAsync<DeadLetterPage>(new Uri("/v1/dead-letters?stage=summarize&state=parked", UriKind.Relative), Ct);
            parked = [.. page!.Items.Where(d => ids.Contains(d.DocumentId!))];
        }

        Assert.Equal(ids.Order(), parked.Select(d => d.DocumentId!).Order());
        fake.Options = new FakeLlmOptions();
        foreach (var deadLetter in parked)
        {
            using var replay = await host.Client.PostAsync(new Uri($"/v1/dead-letters/{deadLetter.Id}/replay", UriKind.Relative), null, Ct);
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        }

        foreach (var id in ids)
        {
            var status = "dead_lettered";
            for (var i = 0; i < 600 && status != "completed"; i++)
            {
                await Task.Delay(100, Ct);
                status = (await host.GetAsync(id)).Status;
            }

            Assert.Equal("completed", status);
        }

        await AssertSummarizedOnceAsync(host, ids, fake);
        Assert.Equal(ids.Count, (await host.ReadAllAsync(Topics.DeadLetter("summarize"))).Count); // the first failures only
    }

    private static async Task<List<string>> UploadAsync(SluiceTestHost host, string story, int count = Documents)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await host.AcceptAsync(Encoding.UTF8.GetBytes($"Document {i} {story}"), $"doc-{i}.txt")).Id);
        }

        return ids;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>
    /// Each document has its summary, paid for by one successful request, and <c>documents.summarized</c> says so
    /// exactly once per document.
    /// </summary>
    private static async Task AssertSummarizedOnceAsync(SluiceTestHost host, List<string> ids, FakeLlmServer fake)
    {
        Assert.Equal(ids.Count, fake.Stats.Succeeded);
        var summaries = host.Services.GetRequiredService<ISummaryStore>();
        foreach (var id in ids)
        {
            var summary = await summaries.GetAsync(id, Ct);
            Assert.NotNull(summary);
            Assert.False(string.IsNullOrWhiteSpace(summary.Text));
            Assert.StartsWith("llm:fake-chat@", summary.Summarizer, StringComparison.Ordinal);
        }

        var summarized = await host.ReadAllAsync(Topics.DocumentsSummarized);
        Assert.Equal(ids.Order(), summarized.Select(r => r.Key).Order());
    }
}

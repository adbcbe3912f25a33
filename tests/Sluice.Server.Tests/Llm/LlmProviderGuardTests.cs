using System.Diagnostics;
using Sluice.Core.Ports;
using Sluice.Server.Dev;

namespace Sluice.Server.Tests.Llm;

/// <summary>The guard in front of the LLM, over real HTTP against the fake provider's faults.</summary>
public sealed class LlmProviderGuardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_429_with_Retry_After_is_transient_and_carries_the_wait()
    {
        await using var kit = await LlmTestKit.StartAsync(new FakeLlmOptions { Rate429 = 1, RetryAfterSeconds = 7 });

        var failure = await Assert.ThrowsAsync<ProviderException>(() => kit.Summarizer.SummarizeAsync("Some text to summarize.", Ct));

        Assert.True(failure.IsTransient);
        Assert.False(failure.IsCircuitOpen);
        Assert.Equal(TimeSpan.FromSeconds(7), failure.RetryAfter);
        Assert.Equal(1, kit.Fake.Stats.RateLimited);
    }

    [Fact]
    public async Task A_500_is_transient()
    {
        await using var kit = await LlmTestKit.StartAsync(new FakeLlmOptions { Rate500 = 1 });

        var failure = await Assert.ThrowsAsync<ProviderException>(() => kit.Summarizer.SummarizeAsync("Some text to summarize.", Ct));

        Assert.True(failure.IsTransient);
        Assert.Equal(1, kit.Fake.Stats.ServerErrors);
    }

    [Fact]
    public async Task A_400_is_permanent()
    {
        await using var kit = await LlmTestKit.StartAsync(new FakeLlmOptions { RejectMarker = "POISON" });

        var failure = await Assert.ThrowsAsync<ProviderException>(() => kit.Summarizer.SummarizeAsync("A document with POISON in it.", Ct));

        Assert.False(failure.IsTransient);
        Assert.Contains("400", failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, kit.Fake.Stats.Rejected);
    }

    [Fact]
    public async Task A_request_that_hangs_is_a_transient_failure_after_the_timeout()
    {
        await using var kit = await LlmTestKit.StartAsync(new FakeLlmOptions { HangRate = 1 }, o => o.Timeout = TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<ProviderException>(() => kit.Summarizer.SummarizeAsync("Some text to summarize.", Ct));

        Assert.True(failure.IsTransient);
        Assert.False(failure.IsCircuitOpen);
        Assert.Contains("did not answer", failure.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");

        // On a loaded machine the client may give up before the fake has even read the request: never more than one.
        Assert.InRange(kit.Fake.Stats.Hung, 0, 1);
        Assert.Equal(0, kit.Fake.Stats.Succeeded);
    }

    [Fact]
    public async Task Repeated_failures_open_the_circuit_and_then_nothing_reaches_the_provider()
    {
        await using var kit = await LlmTestKit.StartAsync(
            new FakeLlmOptions { Rate500 = 1 },
            o => (o.CircuitMinimumThroughput, o.CircuitFailureRatio, o.CircuitBreakDuration) = (3, 0.5, TimeSpan.FromSeconds(30)));
        for (var i = 0; i < 3; i++)
        {
            var failure = await Assert.ThrowsAsync<ProviderException>(() => kit.Summarizer.SummarizeAsync($"Text number {i}.", Ct));
            Assert.False(failure.IsCircuitOpen);
        }

        var open = await Assert.ThrowsAsync<ProviderException>(() => kit.Summarizer.SummarizeAsync("One more text.", Ct));

        Assert.True(open.IsCircuitOpen);
        Assert.True(open.IsTransient);
        Assert.NotNull(open.RetryAfter);
        Assert.InRange(open.RetryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.Equal(3, kit.Fake.Stats.Requests);
    }

    [Fact]
    public async Task Permanent_failures_do_not_open_the_circuit()
    {
        await using var kit = await LlmTestKit.StartAsync(
            new FakeLlmOptions { RejectMarker = "POISON" }, o => o.CircuitMinimumThroughput = 2);
        for (var i = 0; i < 4; i++)
        {
            var failure = await Assert.ThrowsAsync<ProviderException>(() => kit.Summarizer.SummarizeAsync($"POISON {i}.", Ct));
            Assert.False(failure.IsTransient);
        }

        Assert.NotEmpty(await kit.Summarizer.SummarizeAsync("A healthy text.", Ct));
    }

    [Fact]
    public async Task Callers_together_never_exceed_the_concurrency_limit()
    {
        await using var kit = await LlmTestKit.StartAsync(
            new FakeLlmOptions { Latency = TimeSpan.FromMilliseconds(200) },
            o => (o.MaxConcurrency, o.RequestsPerSecond) = (2, 0));

        var summaries = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => kit.Summarizer.SummarizeAsync($"Document {i} is here. It says little.", Ct)));

        Assert.All(summaries, s => Assert.StartsWith("Document", s, StringComparison.Ordinal));
        Assert.Equal(8, kit.Fake.Stats.Succeeded);
        Assert.InRange(kit.Fake.Stats.MaxInFlight, 1, 2);
    }

    [Fact]
    public async Task The_rate_limit_lets_every_caller_through_in_time()
    {
        await using var kit = await LlmTestKit.StartAsync(configure: o => (o.RequestsPerSecond, o.MaxConcurrency) = (20, 8));

        var summaries = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => kit.Summarizer.SummarizeAsync($"Rated text {i}. Done.", Ct)));

        Assert.Equal(30, summaries.Length);
        Assert.Equal(30, kit.Fake.Stats.Succeeded);
    }

    [Fact]
    public async Task The_callers_own_cancellation_is_not_a_provider_failure()
    {
        await using var kit = await LlmTestKit.StartAsync(new FakeLlmOptions { HangRate = 1 });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => kit.Summarizer.SummarizeAsync("Some text.", cancel.Token));
    }
}

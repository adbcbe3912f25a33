using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Server.Api;
using Sluice.Server.Dev;

namespace Sluice.Server.Tests;

/// <summary>Retry topics and dead letters, on the embedded log and on Kafka: failures never block the input topic and never lose an event.</summary>
public sealed class RetryAndDeadLetterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string?> ShortRetries = new()
    {
        ["Sluice:RetryDelays"] = "1s,2s",
    };

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task TransientProviderFailures_GoThroughTheRetryTopics_AndTheDocumentCompletes(string log)
    {
        var embedder = new FlakyEmbedder(failures: 2);
        await using var host = await SluiceTestHost.StartOnAsync(log, ShortRetries, s => s.AddSingleton<IEmbedder>(embedder));

        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("A provider that fails twice, then answers."), "flaky.txt");
        var done = await host.WaitForTerminalAsync(document.Id, TimeSpan.FromSeconds(60));

        Assert.Equal("completed", done.Status);
        Assert.True(done.Stages["embed"].Attempts + done.Stages["summarize"].Attempts >= 3, "the failed attempts should show in the stages' attempt counts");
        var retried = await host.ReadAllAsync(Topics.Retry("embed", TimeSpan.FromSeconds(1)), Topics.Retry("summarize", TimeSpan.FromSeconds(1)));
        Assert.NotEmpty(retried);
        Assert.All(retried, r => Assert.Equal("transient", r.Headers[Headers.ErrorType]));
        Assert.Empty(await host.ReadAllAsync(Topics.DeadLetter("embed"), Topics.DeadLetter("summarize")));
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task ExhaustedRetries_ParkTheEventOnTheDeadLetterTopic_WithItsContext_AndTheDocumentIsDeadLettered(string log)
    {
        var embedder = new FlakyEmbedder(failures: int.MaxValue);
        await using var host = await SluiceTestHost.StartOnAsync(log, ShortRetries, s => s.AddSingleton<IEmbedder>(embedder));

        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("A provider that never answers."), "down.txt");
        var done = await host.WaitForTerminalAsync(document.Id, TimeSpan.FromSeconds(60));

        Assert.Equal("dead_lettered", done.Status);
        Assert.Contains(done.Error!.Stage, new[] { "embed", "summarize" });
        Assert.Contains("gave up after 3 attempts", done.Error.Reason, StringComparison.Ordinal);
        var dead = Assert.Single(await host.ReadAllAsync(Topics.DeadLetter(done.Error.Stage)));
        Assert.Equal(document.Id, dead.Key);
        Assert.Equal(document.Id, dead.Headers[Headers.DocumentId]);
        Assert.Equal("3", dead.Headers[Headers.Attempts]);
        Assert.Equal(done.Error.Stage, dead.Headers[Headers.ConsumerGroup]);
        Assert.Equal(done.Error.Stage == "embed" ? Topics.ChunksCreated : Topics.DocumentsExtracted, dead.Headers[Headers.OriginalTopic]);
        Assert.True(long.Parse(dead.Headers[Headers.OriginalOffset], System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.Contains("provider unavailable", dead.Headers[Headers.ErrorMessage], StringComparison.Ordinal);
        Assert.True(DateTimeOffset.Parse(dead.Headers[Headers.FirstFailureAt], System.Globalization.CultureInfo.InvariantCulture)
            <= DateTimeOffset.Parse(dead.Headers[Headers.FailedAt], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(EventEnvelope.Parse(dead.Value.Span).DocumentId, document.Id); // the original event, untouched
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task ARateLimitedSummary_ShowsRetrying_WithItsNextAttemptAndError_ThenRunsAgainAndCompletes(string log)
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(new FakeLlmOptions { Rate429 = 1.0, RetryAfterSeconds = 1 }, Ct);
        await using var host = await SluiceTestHost.StartOnAsync(
            log,
            SluiceTestHost.LlmSettings(endpoint, new() { ["Sluice:RetryDelays"] = "5s,5s" }),
            s => s.AddSingleton<IEmbedder, HashingEmbedder>());
        var document = await host.AcceptAsync(
            Encoding.UTF8.GetBytes("The model is rate limited at first. Its summary has to wait. The status says until when, and why."), "limited.txt");

        // Until the fake recovers, every summary request is answered 429: summarize waits in its 5 s tier.
        DocumentResponse? waiting = null;
        var observedAt = DateTimeOffset.MinValue;
        for (var i = 0; i < 400 && waiting is null; i++)
        {
            var current = await host.GetAsync(document.Id);
            observedAt = DateTimeOffset.UtcNow;
            if (current.Stages["summarize"].Status == "retrying")
            {
                waiting = current;
            }
            else
            {
                Assert.NotEqual("completed", current.Status);
                await Task.Delay(50, Ct);
            }
        }

        Assert.NotNull(waiting);
        var summarize = waiting.Stages["summarize"];
        Assert.Equal("processing", waiting.Status);
        Assert.Null(waiting.Error);
        Assert.Equal(1, summarize.Attempts);
        Assert.NotNull(summarize.NextAttemptAt);
        Assert.True(summarize.NextAttemptAt > observedAt, $"the next attempt ({summarize.NextAttemptAt:O}) should be ahead of {observedAt:O}");
        Assert.True(summarize.NextAttemptAt <= observedAt.AddSeconds(6), $"the next attempt ({summarize.NextAttemptAt:O}) should be one 5 s tier away");
        Assert.Equal(summarize.NextAttemptAt, waiting.NextAttemptAt);
        Assert.Contains("429", summarize.Error, StringComparison.Ordinal);
        Assert.Equal("transient", summarize.ErrorType);
        Assert.Null(summarize.FinishedAt);

        fake.Options = new FakeLlmOptions();
        var done = await host.WaitForTerminalAsync(document.Id, TimeSpan.FromSeconds(60));

        Assert.Equal("completed", done.Status);
        Assert.Null(done.NextAttemptAt);
        Assert.Equal("succeeded", done.Stages["summarize"].Status);
        Assert.Equal(2, done.Stages["summarize"].Attempts);
        Assert.Null(done.Stages["summarize"].NextAttemptAt);
        Assert.Null(done.Stages["summarize"].Error);
        Assert.Null(done.Stages["summarize"].ErrorType);
        Assert.True(done.Stages["summarize"].StartedAt >= summarize.NextAttemptAt, "the second attempt starts once the wait is over");
        Assert.Equal(1, fake.Stats.RateLimited);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task APoisonEvent_IsDeadLetteredAfterOneAttempt_AndThePartitionKeepsFlowing(string log)
    {
        await using var host = await SluiceTestHost.StartOnAsync(
            log,
            new Dictionary<string, string?> { ["Sluice:RetryDelays"] = "1s", ["Sluice:Partitions"] = "1" },
            s => s.AddSingleton<IEmbedder, HashingEmbedder>());
        await using (var producer = host.Services.GetRequiredService<IEventLog>().CreateProducer())
        {
            await producer.ProduceAsync([new OutgoingRecord(Topics.DocumentsSubmitted, "poison", Encoding.UTF8.GetBytes("{ not json"))], Ct);
        }

        var after = await host.AcceptAsync(Encoding.UTF8.GetBytes("Uploaded after the poison event, on the same partition."), "after.txt");

        Assert.Equal("completed", (await host.WaitForTerminalAsync(after.Id, TimeSpan.FromSeconds(60))).Status);
        var dead = Assert.Single(await host.ReadAllAsync(Topics.DeadLetter("extract")));
        Assert.Equal("poison", dead.Key);
        Assert.Equal("invalid-event", dead.Headers[Headers.ErrorType]);
        Assert.Equal("1", dead.Headers[Headers.Attempts]);
        Assert.Equal("{ not json", Encoding.UTF8.GetString(dead.Value.Span));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("checksum")]
    public async Task AnEventWhoseBlobIsMissingOrCorrupt_IsDeadLetteredAfterOneAttempt(string fault)
    {
        await using var host = await SluiceTestHost.StartAsync(ShortRetries, s => s.AddSingleton<IEmbedder, HashingEmbedder>());
        var real = await host.AcceptAsync(Encoding.UTF8.GetBytes("The real upload whose blob the bad event points at."), "real.txt");
        var source = (await host.Services.GetRequiredService<IStatusStore>().GetAsync(real.Id, Ct))!.Document.Source;
        var bad = fault == "missing"
            ? source with { Uri = source.Uri.Replace(source.Sha256[..8], "00000000", StringComparison.Ordinal), Sha256 = "00000000" + source.Sha256[8..] }
            : source with { Sha256 = new string('a', 64) };
        var documentId = Ids.Document("default", bad.Sha256);

        // Registered with that source, as the API would: an event for a document nobody registered is refused unread.
        await host.Services.GetRequiredService<IStatusStore>().RegisterAsync(
            new DocumentRecord(documentId, "default", "bad.txt", "text/plain", "text", bad, DateTimeOffset.UtcNow), Ct);
        var envelope = EventEnvelope.Create(Topics.DocumentsSubmitted, "default", documentId, new DocumentSubmitted(bad, "bad.txt", "text"), Ids.Derive("bad", fault), DateTimeOffset.UtcNow);
        await using (var producer = host.Services.GetRequiredService<IEventLog>().CreateProducer())
        {
            await producer.ProduceAsync([Core.Runtime.EventRecords.ToRecord(Topics.DocumentsSubmitted, envelope)], Ct);
        }

        ConsumedRecord? dead = null;
        for (var i = 0; i < 100 && dead is null; i++)
        {
            dead = (await host.ReadAllAsync(Topics.DeadLetter("extract"))).SingleOrDefault(r => r.Key == documentId);
        }

        Assert.NotNull(dead);
        Assert.Equal("permanent", dead.Headers[Headers.ErrorType]);
        Assert.Equal("1", dead.Headers[Headers.Attempts]);
        Assert.Contains(fault == "missing" ? "no longer in the blob store" : "corrupt", dead.Headers[Headers.ErrorMessage], StringComparison.Ordinal);
        Assert.Equal("completed", (await host.WaitForTerminalAsync(real.Id, TimeSpan.FromSeconds(60))).Status);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task DeadLetters_AreListedWithTheirContext_AndReplayingThem_CompletesTheDocument(string log)
    {
        var embedder = new FlakyEmbedder(failures: int.MaxValue);
        await using var host = await SluiceTestHost.StartOnAsync(log, ShortRetries, s => s.AddSingleton<IEmbedder>(embedder));
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("Parked while the provider is down, replayed once it is back."), "replay.txt");
        Assert.Equal("dead_lettered", (await host.WaitForTerminalAsync(document.Id, TimeSpan.FromSeconds(60))).Status);

        // The embed stage parks the document (a one-sentence summary needs no model); the view catches up with the topics.
        List<DeadLetterResponse> parked = [];
        for (var i = 0; i < 100 && !parked.Any(d => d.Stage == "embed"); i++)
        {
            await Task.Delay(100, Ct);
            var page = await host.Client.GetFromJsonAsync<DeadLetterPage>(new Uri("/v1/dead-letters", UriKind.Relative), Ct);
            parked = [.. page!.Items.Where(d => d.DocumentId == document.Id)];
        }

        Assert.Equal("embed", Assert.Single(parked).Stage);
        Assert.All(parked, d =>
        {
            Assert.Equal("parked", d.State);
            Assert.Equal(3, d.Attempts);
            Assert.Equal("transient", d.ErrorType);
            Assert.Contains("provider unavailable", d.Error, StringComparison.Ordinal);
            Assert.Equal(document.Id, d.Event!.Value.GetProperty("documentId").GetString());
        });
        var embedOnly = await host.Client.GetFromJsonAsync<DeadLetterPage>(new Uri("/v1/dead-letters?stage=embed", UriKind.Relative), Ct);
        Assert.All(embedOnly!.Items, d => Assert.Equal("embed", d.Stage));

        embedder.Heal();
        foreach (var deadLetter in parked)
        {
            using var replay = await host.Client.PostAsync(new Uri($"/v1/dead-letters/{deadLetter.Id}/replay", UriKind.Relative), null, Ct);
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        }

        // The document leaves dead_lettered when the stage picks the replay up, then completes.
        var status = "dead_lettered";
        for (var i = 0; i < 600 && status != "completed"; i++)
        {
            await Task.Delay(100, Ct);
            status = (await host.GetAsync(document.Id)).Status;
        }

        Assert.Equal("completed", status);
        foreach (var deadLetter in parked)
        {
            var after = await host.Client.GetFromJsonAsync<DeadLetterResponse>(new Uri($"/v1/dead-letters/{deadLetter.Id}", UriKind.Relative), Ct);
            Assert.Equal("replayed", after!.State);
            Assert.Equal(1, after.Replays);
        }

        var stillParked = await host.Client.GetFromJsonAsync<DeadLetterPage>(new Uri("/v1/dead-letters?state=parked", UriKind.Relative), Ct);
        Assert.DoesNotContain(stillParked!.Items, d => d.DocumentId == document.Id);
        using var missing = await host.Client.PostAsync(new Uri("/v1/dead-letters/no-such-id/replay", UriKind.Relative), null, Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task AReplayThatFailsAgain_ShowsItsRunAndItsRetries_ThenIsDeadLetteredAgain(string log)
    {
        var embedder = new FlakyEmbedder(failures: int.MaxValue);
        await using var host = await SluiceTestHost.StartOnAsync(log, ShortRetries, s => s.AddSingleton<IEmbedder>(embedder));
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("Parked, replayed while the provider is still down, parked again."), "again.txt");
        Assert.Equal("dead_lettered", (await host.WaitForTerminalAsync(document.Id, TimeSpan.FromSeconds(60))).Status);
        DeadLetterResponse? parked = null;
        for (var i = 0; i < 100 && parked is null; i++)
        {
            await Task.Delay(100, Ct);
            var page = await host.Client.GetFromJsonAsync<DeadLetterPage>(new Uri("/v1/dead-letters?stage=embed", UriKind.Relative), Ct);
            parked = page!.Items.FirstOrDefault(d => d.DocumentId == document.Id);
        }

        Assert.NotNull(parked);
        using (var replay = await host.Client.PostAsync(new Uri($"/v1/dead-letters/{parked.Id}/replay", UriKind.Relative), null, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        }

        // The replay's attempts are new attempts: the document shows them instead of staying dead_lettered.
        var seen = new HashSet<string>();
        DocumentResponse current;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        do
        {
            await Task.Delay(50, Ct);
            current = await host.GetAsync(document.Id);
            seen.Add($"{current.Status}/{current.Stages["embed"].Status}");
        }
        while (!(current.Status == "dead_lettered" && seen.Contains("processing/retrying")) && DateTime.UtcNow < deadline);

        Assert.Contains("processing/retrying", seen);
        Assert.Equal("dead_lettered", current.Status);
        Assert.Equal(6, current.Stages["embed"].Attempts);
        Assert.Equal("transient", current.Stages["embed"].ErrorType);
    }

    /// <summary>Fails the first <c>failures</c> calls as an unavailable provider would, then embeds.</summary>
    private sealed class FlakyEmbedder(int failures) : IEmbedder
    {
        private readonly HashingEmbedder _inner = new();
        private int _calls;
        private volatile bool _healed;

        /// <summary>From now on every call succeeds.</summary>
        public void Heal() => _healed = true;

        public EmbedderInfo Info => _inner.Info;

        public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
        {
            if (!_healed && Interlocked.Increment(ref _calls) <= failures)
            {
                throw new ProviderException("provider unavailable (503)") { IsTransient = true };
            }

            return _inner.EmbedAsync(texts, cancellationToken);
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Server.Api;

namespace Sluice.Server.Tests;

/// <summary>
/// A large document fans out in batches (<c>Sluice:Chunking:BatchChunks</c>): one <c>chunks.created</c> event per batch,
/// keyed by document and batch; <c>embed</c> and <c>index</c> work batch by batch; the document completes once, when every
/// batch is indexed. On the embedded log and on Kafka.
/// </summary>
public sealed class FanOutTests
{
    private const int Paragraphs = 40;

    private const int PoisonedParagraph = 21;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>About one paragraph per chunk, four chunks per batch: ten batches or so.</summary>
    private static Dictionary<string, string?> Settings(string batchChunks = "4") => new()
    {
        ["Sluice:Chunking:BatchChunks"] = batchChunks,
        ["Sluice:Chunking:TargetTokens"] = "24",
        ["Sluice:Chunking:OverlapTokens"] = "0",
        ["Sluice:RetryDelays"] = "1s,2s",
    };

    /// <summary>Paragraphs each naming a word of their own (<c>marker007x</c>), so every chunk can be searched for.</summary>
    private static byte[] LargeText(string? poison = null)
    {
        var text = new StringBuilder();
        for (var i = 0; i < Paragraphs; i++)
        {
            text.Append(FormattableString.Invariant($"Paragraph {i} is about marker{i:D3}x and nothing else, one sentence long enough to be counted."));
            if (poison is not null && i == PoisonedParagraph)
            {
                text.Append(' ').Append(poison).Append(" stands in a sentence of its own.");
            }

            text.Append("\n\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task ALargeDocument_FansOutInBatchesOverThePartitions_AndCompletesOnce_WithEveryChunkSearchable(string log)
    {
        await using var host = await SluiceTestHost.StartOnAsync(log, Settings(), s => s.AddSingleton<IEmbedder, HashingEmbedder>());
        var document = await host.AcceptAsync(LargeText(), "large.txt");

        var done = await host.WaitForTerminalAsync(document.Id, TimeSpan.FromSeconds(90));

        Assert.Equal("completed", done.Status);
        var chunks = done.Chunks!.Value;
        var batches = (chunks + 3) / 4;
        Assert.True(batches >= 5, $"{chunks} chunks should make at least five batches of four");
        Assert.Equal(chunks, await host.Services.GetRequiredService<ISearchIndex>().CountAsync(document.Id, Ct));
        foreach (var marker in new[] { "marker000x", "marker019x", $"marker{Paragraphs - 1:D3}x" })
        {
            var found = await host.Client.GetFromJsonAsync<SearchResponse>(
                new Uri($"/v1/search?q={marker}&mode=keyword&documentId={document.Id}", UriKind.Relative), Ct);
            Assert.Contains(found!.Results, r => r.Text.Contains(marker, StringComparison.Ordinal));
        }

        // One event per batch, each with its own key (document/batch) and its part, spread over more than one partition.
        var created = (await host.ReadAllAsync(Topics.ChunksCreated))
            .Select(r => (Record: r, Event: EventEnvelope.Parse(r.Value.Span)))
            .Where(e => e.Event.DocumentId == document.Id)
            .ToList();
        Assert.Equal(batches, created.Count);
        Assert.Equal(
            Enumerable.Range(0, batches).Select(i => FormattableString.Invariant($"{document.Id}/{i}")).ToHashSet(),
            created.Select(c => c.Record.Key).ToHashSet());
        Assert.All(created, c => Assert.Equal(batches, c.Event.Part!.Count));
        Assert.Equal(chunks, created.Sum(c => c.Event.GetData<ChunksCreated>().Count));
        Assert.True(created.Select(c => c.Record.Partition).Distinct().Count() > 1, "the batches should spread over the partitions");

        // Progress rose batch by batch, and the document completed exactly once.
        var changes = await host.Services.GetRequiredService<IStatusChangeFeed>().ReadAsync(null, 0, 10_000, document.Id, Ct);
        Assert.Single(changes, c => c.Type == StatusChangeTypes.Completed);
        foreach (var stage in new[] { "embed", "index" })
        {
            var progress = changes.Where(c => c.Stage == stage && c.Progress is > 0 and < 1).Select(c => c.Progress!.Value).ToList();
            Assert.True(progress.Distinct().Count() >= 2, $"{stage} should report progress per batch, got [{string.Join(", ", progress)}]");
            Assert.Equal(progress.Order(), progress);
            Assert.All(progress, p => Assert.Equal(0, (p * batches) - Math.Round(p * batches), 2));
            Assert.Equal(1, done.Stages[stage].Progress);
        }
    }

    [Fact]
    public async Task ARedeliveredBatch_ReplacesExactlyItsOwnRows_AndTheDocumentDoesNotCompleteTwice()
    {
        await using var host = await SluiceTestHost.StartAsync(Settings(), s => s.AddSingleton<IEmbedder, HashingEmbedder>());
        var document = await host.AcceptAsync(LargeText(), "redelivered.txt");
        var done = await host.WaitForTerminalAsync(document.Id, TimeSpan.FromSeconds(90));
        Assert.Equal("completed", done.Status);

        // Deliver every embedded batch of the document to index again, as the log does after a lost commit: same records.
        var embedded = (await host.ReadAllAsync(Topics.ChunksEmbedded)).Where(r => r.Key.StartsWith(document.Id, StringComparison.Ordinal)).ToList();
        Assert.True(embedded.Count > 1);
        var log = host.Services.GetRequiredService<IEventLog>();
        await using (var producer = log.CreateProducer())
        {
            await producer.ProduceAsync([.. embedded.Select(r => new OutgoingRecord(r.Topic, r.Key, r.Value, r.Headers))], Ct);
        }

        await WaitUntilConsumedAsync(log, "index", Topics.ChunksEmbedded);

        var after = await host.GetAsync(document.Id);
        Assert.Equal("completed", after.Status);
        Assert.Equal(done.Chunks, await host.Services.GetRequiredService<ISearchIndex>().CountAsync(document.Id, Ct));
        var changes = await host.Services.GetRequiredService<IStatusChangeFeed>().ReadAsync(null, 0, 10_000, document.Id, Ct);
        Assert.Single(changes, c => c.Type == StatusChangeTypes.Completed);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task OneBatchFailingForGood_DeadLettersTheDocument_AndItsReplayCompletesIt(string log)
    {
        // One text per embedder call, so that the refusal stays with the batch that holds the poisoned chunk (merged calls
        // fail together) and the summary's sentences never meet it (the poison is a sentence of its own).
        var embedder = new RefusingEmbedder("poisonword", FormattableString.Invariant($"marker{PoisonedParagraph:D3}x"));
        var settings = Settings();
        settings["Sluice:EmbedBatchTexts"] = "1";
        await using var host = await SluiceTestHost.StartOnAsync(log, settings, s => s.AddSingleton<IEmbedder>(embedder));
        var document = await host.AcceptAsync(LargeText(poison: "poisonword"), "poisoned.txt");

        var parkedDocument = await host.WaitForTerminalAsync(document.Id, TimeSpan.FromSeconds(90));

        Assert.Equal("dead_lettered", parkedDocument.Status);
        Assert.Equal("embed", parkedDocument.Error!.Stage);
        Assert.Matches(@"^batch \d+ of \d+: the embedder refused the request: .*poisonword", parkedDocument.Error.Reason);
        Assert.Equal("dead_lettered", parkedDocument.Stages["embed"].Status);
        var total = parkedDocument.Chunks!.Value;
        var index = host.Services.GetRequiredService<ISearchIndex>();
        var indexedBefore = await index.CountAsync(document.Id, Ct);
        Assert.InRange(indexedBefore, total - 4, total - 1); // every batch but the poisoned one

        DeadLetterResponse? parked = null;
        for (var i = 0; i < 200 && parked is null; i++)
        {
            var page = await host.Client.GetFromJsonAsync<DeadLetterPage>(new Uri("/v1/dead-letters?stage=embed", UriKind.Relative), Ct);
            parked = page!.Items.FirstOrDefault(d => d.DocumentId == document.Id);
            if (parked is null)
            {
                await Task.Delay(50, Ct);
            }
        }

        Assert.NotNull(parked);
        embedder.Heal();
        using (var replay = await host.Client.PostAsync(new Uri($"/v1/dead-letters/{parked.Id}/replay", UriKind.Relative), null, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        }

        DocumentResponse current;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        do
        {
            await Task.Delay(50, Ct);
            current = await host.GetAsync(document.Id);
        }
        while (current.Status != "completed" && DateTime.UtcNow < deadline);

        Assert.Equal("completed", current.Status);
        Assert.Equal(total, await index.CountAsync(document.Id, Ct));
        var changes = await host.Services.GetRequiredService<IStatusChangeFeed>().ReadAsync(null, 0, 10_000, document.Id, Ct);
        var story = string.Join("\n", changes.Select(c => $"{c.Type} {c.State} {c.Stage} {c.StageState} {c.Progress} {c.Error?.Reason}"));
        Assert.True(changes.Count(c => c.Type == StatusChangeTypes.DeadLettered) == 1, story);
        Assert.True(changes.Count(c => c.Type == StatusChangeTypes.Completed) == 1, story);
    }

    [Theory]
    [InlineData("256")]
    [InlineData("2147483647")] // fan-out off: once made no event at all (the batch count overflowed)
    public async Task ASmallDocument_TravelsAsOneEventKeyedByDocument_ExactlyAsBefore(string batchChunks)
    {
        await using var host = await SluiceTestHost.StartAsync(Settings(batchChunks), s => s.AddSingleton<IEmbedder, HashingEmbedder>());
        var document = await host.AcceptAsync(LargeText(), "small.txt");

        var done = await host.WaitForTerminalAsync(document.Id, TimeSpan.FromSeconds(60));

        Assert.Equal("completed", done.Status);
        var record = Assert.Single(await host.ReadAllAsync(Topics.ChunksCreated));
        Assert.Equal(document.Id, record.Key);
        var created = EventEnvelope.Parse(record.Value.Span);
        Assert.Null(created.Part);
        Assert.DoesNotContain("\"part\"", Encoding.UTF8.GetString(record.Value.Span), StringComparison.Ordinal);
        Assert.Equal(done.Chunks, created.GetData<ChunksCreated>().Count);
        var status = await host.Services.GetRequiredService<IStatusStore>().GetAsync(document.Id, Ct);
        Assert.All(status!.Stages.Values, s => Assert.Null(s.Parts));
    }

    /// <summary>Until the group has read everything on the topic: what it does with a record is done before its commit.</summary>
    private static async Task WaitUntilConsumedAsync(IEventLog log, string group, string topic)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var lag = await log.GetLagAsync(group, [topic], Ct);
            if (lag.Count > 0 && lag.All(p => p.Lag == 0))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{group} did not catch up on {topic}: lag {lag.Sum(p => p.Lag)}");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>Refuses, for good, every call with a text holding both words (a chunk, not a sentence), until healed; embeds the rest.</summary>
    private sealed class RefusingEmbedder(string word, string beside) : IEmbedder
    {
        private readonly HashingEmbedder _inner = new();
        private volatile bool _healed;

        public EmbedderInfo Info => _inner.Info;

        public void Heal() => _healed = true;

        public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
            => !_healed && texts.Any(t => t.Contains(word, StringComparison.Ordinal) && t.Contains(beside, StringComparison.Ordinal))
                ? throw new ProviderException($"the text holds {word} (400)") { IsTransient = false }
                : _inner.EmbedAsync(texts, cancellationToken);
    }
}

using Sluice.Core.Ports;

namespace Sluice.Processing.Tests.Stages;

public class ExtractiveSummarizerTests
{
    private static readonly ExtractiveSummarizer Summarizer = new(new OnnxMiniLmEmbedder(), new ExtractiveSummarizerOptions());

    /// <summary>The same choice with word similarity (the default for a document this short) and with the model.</summary>
    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public async Task PicksTheCentralTopicOverOffTopicAsides_InDocumentOrder(int? lexicalUpToCandidates)
    {
        var topic = new[]
        {
            "Kafka topics buffer bursts of uploads so that slow stages never block ingestion.",
            "Each stage reads its topic in its own consumer group and commits offsets after its work is durable.",
            "When an embedding provider slows down, the embed stage falls behind while uploads are still accepted.",
            "Consumer lag shows how far each stage is behind the newest events on its topic.",
            "Retry topics hold failed events until their backoff has passed, without blocking the main topic.",
            "Dead-letter topics keep events that failed for good, with the context needed to replay them.",
            "Partitions bound the parallelism of a consumer group and keep each document's events in order.",
        };
        var asides = new[]
        {
            "My grandmother grew tomatoes and basil in a small garden behind her house.",
            "The football match on Sunday ended in a draw after a late penalty.",
            "A recipe for lemon cake needs flour, sugar, eggs and a little butter.",
        };
        var text = string.Join(' ', topic.Take(3).Concat(asides.Take(1)).Concat(topic.Skip(3).Take(2)).Concat(asides.Skip(1)).Concat(topic.Skip(5)));
        var summarizer = new ExtractiveSummarizer(new OnnxMiniLmEmbedder(), new ExtractiveSummarizerOptions { LexicalUpToCandidates = lexicalUpToCandidates });

        var summary = await summarizer.SummarizeAsync(text, TestContext.Current.CancellationToken);

        Assert.DoesNotContain(asides, summary.Contains);
        var picked = topic.Where(summary.Contains).ToList();
        Assert.InRange(picked.Count, 3, 5);
        Assert.Equal(picked.OrderBy(s => text.IndexOf(s, StringComparison.Ordinal)), picked.OrderBy(s => summary.IndexOf(s, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ShortText_IsItsOwnSummary_AndLongSummariesRespectTheCharacterLimit()
    {
        var options = new ExtractiveSummarizerOptions { MaxCharacters = 300 };
        var summarizer = new ExtractiveSummarizer(new OnnxMiniLmEmbedder(), options);
        var shortText = "Sluice accepts uploads at once. It processes them later, stage by stage.";
        var longText = string.Join(' ', Enumerable.Range(1, 40).Select(i => $"Observation {i} describes how the pipeline keeps document {i} safe during a burst of uploads."));

        Assert.Equal(shortText, await Summarizer.SummarizeAsync(shortText, TestContext.Current.CancellationToken));
        var summary = await summarizer.SummarizeAsync(longText, TestContext.Current.CancellationToken);
        Assert.InRange(summary.Length, 50, 300);
    }

    [Fact]
    public async Task ShortDocument_IsSummarizedWithoutTheModel_AndSaysSo()
    {
        // Ten sentences, like an abstract: embedding them would cost the model about as much again as the document's chunks.
        var text = string.Join(' ', Enumerable.Range(1, 10).Select(i => i % 4 == 0
            ? $"The canteen served soup number {i} to the visitors at noon."
            : $"Consumer groups let stage {i} of the pipeline read its topic at its own pace."));
        var model = new CountingEmbedder(new OnnxMiniLmEmbedder());
        ISummarizer summarizer = new ExtractiveSummarizer(model, new ExtractiveSummarizerOptions());

        var draft = await summarizer.DraftAsync(text, "d1", TestContext.Current.CancellationToken);

        Assert.Equal(0, model.Calls);
        Assert.Equal("extractive@1+lexical", draft.MadeBy.ToString());
        Assert.DoesNotContain("canteen", draft.Text, StringComparison.Ordinal);
        Assert.InRange(draft.Text.Split(". ").Length, 3, 5);
    }

    [Fact]
    public async Task LongDocument_IsSummarizedWithTheModel_AndSaysSo_AndNothingToChooseIsVerbatim()
    {
        var longText = string.Join(' ', Enumerable.Range(1, 40).Select(i => $"Observation {i} describes how the pipeline keeps document {i} safe during a burst of uploads."));
        var shortText = "Sluice accepts uploads at once. It processes them later, stage by stage.";
        var model = new CountingEmbedder(new OnnxMiniLmEmbedder());
        ISummarizer summarizer = new ExtractiveSummarizer(model, new ExtractiveSummarizerOptions());

        var modelMade = await summarizer.DraftAsync(longText, "d1", TestContext.Current.CancellationToken);
        Assert.Equal(1, model.Calls);
        Assert.Equal(summarizer.Info, modelMade.MadeBy);
        Assert.Contains("all-MiniLM-L6-v2", modelMade.MadeBy.ToString(), StringComparison.Ordinal);

        var verbatim = await summarizer.DraftAsync(shortText, "d2", TestContext.Current.CancellationToken);
        Assert.Equal(1, model.Calls);
        Assert.Equal((shortText, "extractive@1"), (verbatim.Text, verbatim.MadeBy.ToString()));
    }

    [Fact]
    public void Info_NamesTheEmbedderItUses()
    {
        Assert.Equal("extractive", Summarizer.Info.Name);
        Assert.Contains("all-MiniLM-L6-v2", Summarizer.Info.Version, StringComparison.Ordinal);
    }

    private sealed class CountingEmbedder(IEmbedder inner) : IEmbedder
    {
        private int _calls;

        public int Calls => _calls;

        public EmbedderInfo Info => inner.Info;

        public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return inner.EmbedAsync(texts, cancellationToken);
        }
    }
}

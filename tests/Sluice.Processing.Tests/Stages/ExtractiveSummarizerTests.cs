namespace Sluice.Processing.Tests.Stages;

public class ExtractiveSummarizerTests
{
    private static readonly ExtractiveSummarizer Summarizer = new(new OnnxMiniLmEmbedder(), new ExtractiveSummarizerOptions());

    [Fact]
    public async Task PicksTheCentralTopicOverOffTopicAsides_InDocumentOrder()
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

        var summary = await Summarizer.SummarizeAsync(text, TestContext.Current.CancellationToken);

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
    public void Info_NamesTheEmbedderItUses()
    {
        Assert.Equal("extractive", Summarizer.Info.Name);
        Assert.Contains("all-MiniLM-L6-v2", Summarizer.Info.Version, StringComparison.Ordinal);
    }
}

using Sluice.Core.Events;
using Sluice.Core.Stages;

namespace Sluice.Core.Tests.Stages;

/// <summary>The topics every event log is provisioned with follow from the stage catalogue, and from nothing else.</summary>
public sealed class StageCatalogTests
{
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);
    private static readonly IReadOnlyList<TimeSpan> Tiers = [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10)];

    [Fact]
    public void TopicSpecs_GiveEveryPipelineStageARetryTopicPerTier_AndADeadLetterTopic()
    {
        var names = StageCatalog.TopicSpecs(3, Week, Tiers).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

        foreach (var stage in new[] { "extract", "chunk", "embed", "index", "summarize", "webhooks" })
        {
            Assert.Contains($"{stage}.retry.10s", names);
            Assert.Contains($"{stage}.retry.1m", names);
            Assert.Contains($"{stage}.retry.10m", names);
            Assert.Contains($"{stage}.dlq", names);
        }
    }

    [Fact]
    public void TopicSpecs_GiveTheStatusProjectionNoRetryOrDeadLetterTopic_ItNeverSkipsAnEvent()
    {
        var specs = StageCatalog.TopicSpecs(3, Week, Tiers);

        Assert.DoesNotContain(specs, t => t.Name.StartsWith(StageNames.StatusProjection, StringComparison.Ordinal));
        Assert.True(StageCatalog.StatusProjection.IsProjection);
        Assert.Empty(StageCatalog.StatusProjection.RetryTopics(Tiers));
        Assert.Null(StageCatalog.StatusProjection.DeadLetterTopic);
        Assert.Empty(StageCatalog.StatusProjection.RetryDelays(Tiers));
    }

    [Fact]
    public void TopicSpecs_AreTheEventTopics_ThenRetryAndDeadLetterTopics_EachOnce_WithTheStatusTopicAloneCompacted()
    {
        var specs = StageCatalog.TopicSpecs(4, Week, Tiers);

        Assert.Equal(Topics.All.Count + (6 * (Tiers.Count + 1)), specs.Count);
        Assert.Equal(specs.Count, specs.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Topics.All.Order(StringComparer.Ordinal), StageCatalog.EventTopics.Order(StringComparer.Ordinal));
        Assert.All(specs, t => Assert.Equal(4, t.Partitions));
        Assert.All(specs, t => Assert.Equal(Week, t.Retention));
        Assert.Equal([Topics.DocumentsStatus], specs.Where(t => t.Compacted).Select(t => t.Name));
    }

    [Fact]
    public void TopicSpecs_FollowTheConfiguredTiers_OneTopicPerDistinctTierName()
    {
        var names = StageCatalog.TopicSpecs(1, Week, [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromHours(1)])
            .Select(t => t.Name).Where(n => n.StartsWith("embed.", StringComparison.Ordinal));

        Assert.Equal(["embed.retry.2s", "embed.retry.1h", "embed.dlq"], names);
    }

    [Fact]
    public void TheDeadLetterView_ReadsTheDeadLetterTopicOfEveryStageButTheProjection()
    {
        Assert.Equal(["extract.dlq", "chunk.dlq", "embed.dlq", "index.dlq", "summarize.dlq", "webhooks.dlq"], StageCatalog.DeadLetterTopics);
        Assert.Equal(["extract", "chunk", "embed", "index", "summarize", "webhooks"], StageCatalog.DeadLetterStageNames);
    }

    [Fact]
    public void Webhooks_RunBesideThePipeline_RetryingAndDeadLettering_ButNoDocumentWaitsForThem()
    {
        var webhooks = StageCatalog.Webhooks;

        Assert.Equal(StageKind.Beside, webhooks.Kind);
        Assert.DoesNotContain(webhooks, StageCatalog.Pipeline);
        Assert.DoesNotContain("webhooks", StageNames.Pipeline);
        Assert.False(webhooks.ReportsStatus);
        Assert.False(webhooks.IsProjection);
        Assert.Equal(Topics.WebhookDeliveries, webhooks.InputTopic);
        Assert.Equal(Tiers, webhooks.RetryDelays(Tiers));
        Assert.Equal("webhooks.dlq", webhooks.DeadLetterTopic);
        Assert.Equal(StageParallelism.Webhooks, webhooks.Parallelism);
    }

    [Fact]
    public void TheCatalogue_DescribesEachStage_InputsOutputsParallelismAndStatus()
    {
        Assert.Equal(StageNames.Pipeline, StageCatalog.PipelineNames);
        Assert.Equal(["extract", "chunk", "embed", "index", "summarize", "status-projection", "webhooks"], StageCatalog.Names);
        Assert.Equal(Topics.DocumentsSubmitted, StageCatalog.Extract.InputTopic);
        Assert.Equal([Topics.ChunksEmbedded], StageCatalog.Embed.Outputs);
        Assert.Equal(StageParallelism.Embed, StageCatalog.Embed.Parallelism);
        Assert.Equal(StageParallelism.Summarize, StageCatalog.Summarize.Parallelism);
        Assert.Equal(StageParallelism.Stage, StageCatalog.Index.Parallelism);
        Assert.All(StageCatalog.Pipeline, s => Assert.True(s.ReportsStatus && !s.IsProjection));
        Assert.False(StageCatalog.StatusProjection.ReportsStatus);

        // Every stage's input is published by someone: the API (documents.submitted, and webhook deliveries from its
        // relay), a stage, or the status reports.
        var published = StageCatalog.All.SelectMany(s => s.Outputs)
            .Append(Topics.DocumentsSubmitted).Append(StageCatalog.StatusTopic).Append(Topics.WebhookDeliveries);
        Assert.All(StageCatalog.All, s => Assert.Contains(s.InputTopic, published));
    }

    [Fact]
    public void AnUnknownStage_IsRejected_NamingTheKnownOnes()
    {
        Assert.Null(StageCatalog.Find("embedd"));
        var error = Assert.Throws<ArgumentException>(() => StageCatalog.Get("embedd"));
        Assert.Contains("Known stages: extract, chunk, embed, index, summarize, status-projection, webhooks.", error.Message, StringComparison.Ordinal);
    }
}

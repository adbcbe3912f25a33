using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Server.Telemetry;

namespace Sluice.Server.Tests.Telemetry;

/// <summary>The completion estimate from a fixed sample: backlog over throughput per stage, along the pipeline's branches.</summary>
public class CompletionEstimateTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 18, 0, 0, TimeSpan.Zero);

    /// <summary>embed 90 records at 3/s (30 s), index 20 at 2/s (10 s), summarize 100 at 2/s (50 s); the rest idle.</summary>
    private static PipelineSample Sample(DateTimeOffset? at = null, double summarizeThroughput = 2) => new(
        at ?? Now.AddSeconds(-2),
        TimeSpan.FromSeconds(10),
        [
            Stage(StageCatalog.Extract, 0, null),
            Stage(StageCatalog.Chunk, 0, 0),
            Stage(StageCatalog.Embed, 90, 3),
            Stage(StageCatalog.Index, 20, 2),
            Stage(StageCatalog.Summarize, 100, summarizeThroughput),
            Stage(StageCatalog.StatusProjection, 0, 1),
        ],
        null,
        []);

    [Fact]
    public void AfterExtract_TheLongerBranchDecides_EachStageWaitingForTheOneBeforeIt()
    {
        // chunk → embed → index: 0 + 30 + 10 = 40 s; summarize beside it: 50 s.
        Assert.Equal(Now.AddSeconds(50), CompletionEstimate.For(Document(("extract", StageState.Succeeded)), Sample(), Now));
    }

    [Fact]
    public void AStageWithABacklogAndNoThroughput_MeansNoEstimate()
    {
        Assert.Null(CompletionEstimate.For(Document(("extract", StageState.Succeeded)), Sample(summarizeThroughput: 0), Now));
    }

    [Fact]
    public void FinishedStages_CostNothing_EvenWithoutThroughput()
    {
        var document = Document(
            ("extract", StageState.Succeeded), ("chunk", StageState.Succeeded), ("embed", StageState.Succeeded), ("summarize", StageState.Succeeded));

        Assert.Equal(Now.AddSeconds(10), CompletionEstimate.For(document, Sample(summarizeThroughput: 0), Now));
    }

    [Fact]
    public void ARetryingStage_StartsAtItsNextAttempt()
    {
        var document = Document(("extract", StageState.Succeeded), ("chunk", StageState.Succeeded), ("summarize", StageState.Succeeded));
        document = document with
        {
            Stages = new Dictionary<string, StageStatus>(document.Stages) { ["embed"] = new(StageState.Retrying, 1, Now, null, "busy", null, Now.AddSeconds(60)) },
        };

        // embed: next attempt in 60 s + 30 s of backlog; index after it: + 10 s.
        Assert.Equal(Now.AddSeconds(100), CompletionEstimate.For(document, Sample(), Now));
    }

    [Fact]
    public void NoEstimate_ForAFinishedDocument_WithoutASample_OrFromAStaleOne()
    {
        var processing = Document(("extract", StageState.Succeeded));

        Assert.Null(CompletionEstimate.For(processing with { State = DocumentState.Completed }, Sample(), Now));
        Assert.Null(CompletionEstimate.For(processing with { State = DocumentState.DeadLettered }, Sample(), Now));
        Assert.Null(CompletionEstimate.For(processing, null, Now));
        Assert.Null(CompletionEstimate.For(processing, Sample(at: Now.AddSeconds(-31)), Now));
        Assert.NotNull(CompletionEstimate.For(processing, Sample(at: Now.AddSeconds(-29)), Now));
    }

    private static StageSample Stage(StageDefinition stage, long lag, double? throughput)
        => new(stage, [new PartitionLag(stage.InputTopic, 0, 100, 100 + lag, lag, lag > 0 ? Now.AddMinutes(-1) : null)], throughput, null, null, null);

    private static DocumentStatus Document(params (string Stage, StageState State)[] stages)
    {
        var all = StageCatalog.PipelineNames.ToDictionary(n => n, _ => new StageStatus(StageState.Pending, 0, null, null, null, null));
        foreach (var (stage, state) in stages)
        {
            all[stage] = new StageStatus(state, 1, Now.AddMinutes(-1), state == StageState.Succeeded ? Now : null, null, null);
        }

        var record = new DocumentRecord("d1", "default", "a.txt", "text/plain", "text", new BlobReference("blob:x", new string('a', 64), 10, "text/plain"), Now.AddMinutes(-2));
        return new DocumentStatus(record, DocumentState.Processing, null, null, all, Now);
    }
}

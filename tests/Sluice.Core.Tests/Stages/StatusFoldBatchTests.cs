using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Core.Tests.Stages;

/// <summary>The fold of a document cut into batches: a stage completes once every batch did, and the document is terminal only when no batch is still on its way.</summary>
public sealed class StatusFoldBatchTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static DocumentStatus Fold(params (string Stage, StageState State, EventPart? Part)[] reports)
    {
        var record = new DocumentRecord("doc", "default", "a.txt", "text/plain", "text", new BlobReference("blob:sha256:a", new string('a', 64), 1, "text/plain"), T0);
        var status = new DocumentStatus(record, DocumentState.Accepted, null, null, new Dictionary<string, StageStatus>(), T0);
        var at = T0;
        foreach (var (stage, state, part) in reports)
        {
            at = at.AddSeconds(1);
            var change = StatusFold.Fold(StageCatalog.PipelineNames, status, new StageStatusChanged(stage, state, 1, Error: state == StageState.DeadLettered ? "refused" : null, Part: part), at);
            status = status with { State = change.State, Error = change.Error, Stages = new Dictionary<string, StageStatus>(status.Stages) { [stage] = change.Stage } };
        }

        return status;
    }

    private static (string, StageState, EventPart?)[] BeforeEmbed() =>
    [
        ("extract", StageState.Running, null), ("extract", StageState.Succeeded, null),
        ("summarize", StageState.Running, null), ("summarize", StageState.Succeeded, null),
        ("chunk", StageState.Running, null), ("chunk", StageState.Succeeded, null),
    ];

    [Fact]
    public void ABatchParkedAtEmbed_WhileIndexHasNotHeardOfTheOtherBatchesYet_KeepsTheDocumentProcessing()
    {
        // Seen on Kafka: embed finished every batch (one parked) before index reported on any; the document was
        // dead-lettered, then processing again while index worked, then dead-lettered a second time.
        var status = Fold([
            .. BeforeEmbed(),
            ("embed", StageState.Running, new EventPart(0, 2)), ("embed", StageState.DeadLettered, new EventPart(0, 2)),
            ("embed", StageState.Running, new EventPart(1, 2)), ("embed", StageState.Succeeded, new EventPart(1, 2)),
        ]);

        Assert.Equal(DocumentState.Processing, status.State);
        Assert.Equal(StageState.DeadLettered, status.Stages["embed"].State);
    }

    [Fact]
    public void ABatchParkedAtEmbed_DeadLettersTheDocument_OnceIndexDidEveryOtherBatch()
    {
        var status = Fold([
            .. BeforeEmbed(),
            ("embed", StageState.Running, new EventPart(0, 2)), ("embed", StageState.DeadLettered, new EventPart(0, 2)),
            ("embed", StageState.Running, new EventPart(1, 2)), ("embed", StageState.Succeeded, new EventPart(1, 2)),
            ("index", StageState.Running, new EventPart(1, 2)), ("index", StageState.Succeeded, new EventPart(1, 2)),
        ]);

        Assert.Equal(DocumentState.DeadLettered, status.State);
        Assert.Equal(new DocumentError("embed", "batch 1 of 2: refused"), status.Error);
        Assert.Equal(0.5, status.Stages["index"].Progress);
    }

    [Fact]
    public void EveryBatchIndexed_CompletesTheDocument_AndNotBefore()
    {
        var status = Fold([
            .. BeforeEmbed(),
            ("embed", StageState.Running, new EventPart(1, 2)), ("embed", StageState.Succeeded, new EventPart(1, 2)),
            ("index", StageState.Running, new EventPart(1, 2)), ("index", StageState.Succeeded, new EventPart(1, 2)),
        ]);
        Assert.Equal(DocumentState.Processing, status.State);
        Assert.Equal((StageState.Running, 0.5), (status.Stages["index"].State, status.Stages["index"].Progress!.Value));

        var done = Fold([
            .. BeforeEmbed(),
            ("embed", StageState.Running, new EventPart(1, 2)), ("embed", StageState.Succeeded, new EventPart(1, 2)),
            ("index", StageState.Running, new EventPart(1, 2)), ("index", StageState.Succeeded, new EventPart(1, 2)),
            ("embed", StageState.Running, new EventPart(0, 2)), ("embed", StageState.Succeeded, new EventPart(0, 2)),
            ("index", StageState.Running, new EventPart(0, 2)), ("index", StageState.Succeeded, new EventPart(0, 2)),
        ]);
        Assert.Equal(DocumentState.Completed, done.State);
    }
}

using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>A stage that works batch by batch: the store keeps each batch's status with the stage, and the stage completes once all did.</summary>
public abstract partial class StatusStoreConformance
{
    [Fact]
    public async Task BatchReports_AreCountedPerBatch_TheStageSucceedsOnceEveryBatchDid_AndTheBatchesSurviveAReopen()
    {
        var store = await OpenStoreAsync();
        var doc = Document("batched");
        await store.RegisterAsync(doc, Ct);
        await ApplyAsync(store, doc.Id, new StageStatusChanged("extract", StageState.Succeeded, 1));
        var first = new EventPart(0, 3);
        var second = new EventPart(1, 3);
        var third = new EventPart(2, 3);

        await ApplyAsync(store, doc.Id, new StageStatusChanged("chunk", StageState.Running, 1, Part: second));
        await ApplyAsync(store, doc.Id, new StageStatusChanged("chunk", StageState.Running, 1, Part: first));
        await ApplyAsync(store, doc.Id, new StageStatusChanged("chunk", StageState.Succeeded, 1, Part: second));
        await ApplyAsync(store, doc.Id, new StageStatusChanged("chunk", StageState.Succeeded, 1, Part: second)); // another id, same news

        var reopened = await OpenStoreAsync();
        var midway = (await reopened.GetAsync(doc.Id, Ct))!;
        Assert.Equal(DocumentState.Processing, midway.State);
        var chunk = midway.Stages["chunk"];
        Assert.Equal(StageState.Running, chunk.State);
        Assert.Equal(1.0 / 3, chunk.Progress!.Value, 3);
        Assert.Equal(3, chunk.Parts!.Count);
        Assert.Equal([0, 1], chunk.Parts.Batches.Keys.Order());

        await ApplyAsync(reopened, doc.Id, new StageStatusChanged("chunk", StageState.Succeeded, 1, Part: first));
        Assert.Equal(DocumentState.Processing, (await reopened.GetAsync(doc.Id, Ct))!.State);
        await ApplyAsync(reopened, doc.Id, new StageStatusChanged("chunk", StageState.Running, 1, Part: third));
        await ApplyAsync(reopened, doc.Id, new StageStatusChanged("chunk", StageState.Succeeded, 1, Part: third));

        var done = (await reopened.GetAsync(doc.Id, Ct))!;
        Assert.Equal(DocumentState.Completed, done.State);
        Assert.Equal(StageState.Succeeded, done.Stages["chunk"].State);
        Assert.Equal(1, done.Stages["chunk"].Progress);
    }

    [Fact]
    public async Task ABatchDeadLettered_LeavesTheDocumentProcessingWhileOtherBatchesRun_ThenDeadLettersIt_WithTheBatchInTheReason()
    {
        var store = await OpenStoreAsync();
        var doc = Document("batch-parked");
        await store.RegisterAsync(doc, Ct);
        await ApplyAsync(store, doc.Id, new StageStatusChanged("extract", StageState.Succeeded, 1));
        var first = new EventPart(0, 2);
        var second = new EventPart(1, 2);

        await ApplyAsync(store, doc.Id, new StageStatusChanged("chunk", StageState.Running, 1, Part: first));
        await ApplyAsync(store, doc.Id, new StageStatusChanged("chunk", StageState.DeadLettered, 1, Error: "refused", ErrorType: "permanent", Part: first));
        Assert.Equal(DocumentState.Processing, (await store.GetAsync(doc.Id, Ct))!.State); // the second batch has still to come

        await ApplyAsync(store, doc.Id, new StageStatusChanged("chunk", StageState.Running, 1, Part: second));
        await ApplyAsync(store, doc.Id, new StageStatusChanged("chunk", StageState.Succeeded, 1, Part: second));

        var parked = (await store.GetAsync(doc.Id, Ct))!;
        Assert.Equal(DocumentState.DeadLettered, parked.State);
        Assert.Equal(new DocumentError("chunk", "batch 1 of 2: refused"), parked.Error);
        Assert.Equal(StageState.DeadLettered, parked.Stages["chunk"].State);
        Assert.Equal(0.5, parked.Stages["chunk"].Progress);

        // The replay of the parked batch (its reports have new ids) completes the document.
        await ApplyAsync(store, doc.Id, new StageStatusChanged("chunk", StageState.Running, 1, Part: first));
        Assert.Equal(DocumentState.Processing, (await store.GetAsync(doc.Id, Ct))!.State);
        await ApplyAsync(store, doc.Id, new StageStatusChanged("chunk", StageState.Succeeded, 1, Part: first));
        Assert.Equal(DocumentState.Completed, (await store.GetAsync(doc.Id, Ct))!.State);
    }
}

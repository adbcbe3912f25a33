using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>What monitoring reads: counts by state and the documents not done yet, across tenants.</summary>
public abstract partial class StatusStoreConformance
{
    [Fact]
    public async Task Counts_LiveDocumentsByState_AndStagesAtWork_LeavingDeletedDocumentsOut()
    {
        var store = await OpenStoreAsync();
        Assert.DoesNotContain((await store.CountAsync(Ct)).Documents, d => d.Value > 0);

        await store.RegisterAsync(Document("accepted", "tenant-a"), Ct);
        await store.RegisterAsync(Document("running", "tenant-b"), Ct);
        await ApplyAsync(store, "running", new StageStatusChanged("extract", StageState.Running, 1));
        await store.RegisterAsync(Document("retrying", "tenant-a"), Ct);
        await ApplyAsync(store, "retrying", new StageStatusChanged("extract", StageState.Succeeded, 1));
        await ApplyAsync(store, "retrying", new StageStatusChanged("chunk", StageState.Retrying, 1, Error: "busy", NextAttemptAt: T0.AddMinutes(1)));
        await store.RegisterAsync(Document("done", "tenant-a"), Ct);
        await ApplyAsync(store, "done", new StageStatusChanged("extract", StageState.Succeeded, 1));
        await ApplyAsync(store, "done", new StageStatusChanged("chunk", StageState.Succeeded, 1));
        await store.RegisterAsync(Document("dead", "tenant-a"), Ct);
        await ApplyAsync(store, "dead", new StageStatusChanged("extract", StageState.DeadLettered, 1, Error: "poison"));
        await store.RegisterAsync(Document("deleted", "tenant-a"), Ct);
        await ApplyAsync(store, "deleted", new StageStatusChanged("extract", StageState.Running, 1));
        await store.DeleteAsync("deleted", Ct);

        var counts = await (await OpenStoreAsync()).CountAsync(Ct);

        Assert.Equal(
            (1L, 2L, 1L, 0L, 1L),
            (counts.Of(DocumentState.Accepted), counts.Of(DocumentState.Processing), counts.Of(DocumentState.Completed),
             counts.Of(DocumentState.Failed), counts.Of(DocumentState.DeadLettered)));
        Assert.Equal(
            [new StageCount("chunk", StageState.Retrying, 1), new StageCount("extract", StageState.Running, 1)],
            counts.Stages.OrderBy(s => s.Stage, StringComparer.Ordinal));
        Assert.Equal(1, counts.Of("extract", StageState.Running));
        Assert.Equal(0, counts.Of("chunk", StageState.Running));
    }

    [Fact]
    public async Task InProgress_ListsUnfinishedLiveDocumentsOfEveryTenant_NewestFirst_UpToTheLimit()
    {
        var store = await OpenStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.RegisterAsync(Document($"d{i}", i % 2 == 0 ? "tenant-a" : "tenant-b"), Ct);
        }

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1, Progress: 0.5));
        await ApplyAsync(store, "d2", new StageStatusChanged("extract", StageState.Succeeded, 1));
        await ApplyAsync(store, "d2", new StageStatusChanged("chunk", StageState.Succeeded, 1));
        await ApplyAsync(store, "d3", new StageStatusChanged("extract", StageState.Failed, 1, Error: "unreadable"));
        await store.DeleteAsync("d4", Ct);

        var all = await store.ListInProgressAsync(20, Ct);
        var first = await store.ListInProgressAsync(1, Ct);

        Assert.Equal(["d1", "d0"], all.Select(d => d.Document.Id));
        Assert.Equal("tenant-b", all[0].Document.Tenant);
        Assert.Equal((StageState.Running, 0.5), (all[0].Stages["extract"].State, all[0].Stages["extract"].Progress));
        Assert.Equal(["d1"], first.Select(d => d.Document.Id));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ListInProgressAsync(0, Ct));
    }
}

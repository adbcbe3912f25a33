using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>Housekeeping: listing documents to redrive, and pruning old bookkeeping.</summary>
public abstract partial class StatusStoreConformance
{
    [Fact]
    public async Task ListStaleAccepted_ReturnsOnlyLiveAcceptedDocumentsOlderThanTheCutoff_OldestFirst()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("second", source: Blob("second"), acceptedAt: T0.AddMinutes(1)), Ct);
        await store.RegisterAsync(Document("first", source: Blob("first"), acceptedAt: T0), Ct);
        await store.RegisterAsync(Document("young", acceptedAt: T0.AddMinutes(10)), Ct);
        await store.RegisterAsync(Document("processing", acceptedAt: T0), Ct);
        await ApplyAsync(store, "processing", "e1", new StageStatusChanged("extract", StageState.Running, 1));
        await store.RegisterAsync(Document("deleted", acceptedAt: T0), Ct);
        await store.DeleteAsync("deleted", Ct);

        var page = await store.ListStaleAcceptedAsync(T0.AddMinutes(5), 100, cancellationToken: Ct);

        Assert.Equal(["first", "second"], page.Items.Select(d => d.Id));
        Assert.Equal(Document("first", source: Blob("first"), acceptedAt: T0), page.Items[0]);
        Assert.NotNull(page.Next);
        Assert.Empty((await store.ListStaleAcceptedAsync(T0.AddMinutes(5), 100, page.Next, Ct)).Items);
    }

    [Fact]
    public async Task ListStaleAccepted_LeavesOutPublishedRevisions_UntilTheDocumentIsUploadedAgain()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("published", acceptedAt: T0), Ct);
        await store.RegisterAsync(Document("crashed", source: Blob("crashed"), acceptedAt: T0), Ct);
        await store.MarkPublishedAsync("published", 1, Ct);
        await store.MarkPublishedAsync("crashed", 2, Ct); // a mark for another revision marks nothing

        Assert.Equal(["crashed"], (await store.ListStaleAcceptedAsync(T0.AddMinutes(5), 100, cancellationToken: Ct)).Items.Select(d => d.Id));

        // Deleted and uploaded again: the new revision is not published yet, whatever the old one was.
        await store.DeleteAsync("published", Ct);
        await store.RegisterAsync(Document("published", acceptedAt: T0.AddMinutes(1)), Ct);
        var page = await store.ListStaleAcceptedAsync(T0.AddMinutes(5), 100, cancellationToken: Ct);
        Assert.Equal(["crashed", "published"], page.Items.Select(d => d.Id));
        Assert.Equal(2, page.Items[1].Revision);
    }

    [Fact]
    public async Task ListStaleAccepted_PagesThroughEveryDocument_EvenWithEqualAcceptanceTimes()
    {
        var store = await OpenStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.RegisterAsync(Document($"d{i}", acceptedAt: T0.AddTicks(1234560)), Ct);
        }

        var ids = new List<string>();
        string? cursor = null;
        var pages = 0;
        Page<DocumentRecord> page;
        do
        {
            page = await store.ListStaleAcceptedAsync(T0.AddSeconds(1), 2, cursor, Ct);
            ids.AddRange(page.Items.Select(d => d.Id));
            cursor = page.Next ?? cursor;
            pages++;
        }
        while (page.Items.Count == 2);

        Assert.Equal(["d0", "d1", "d2", "d3", "d4"], ids);
        Assert.Equal(3, pages);

        // The last position is kept: documents that become stale later are found from there, the others not again.
        await store.RegisterAsync(Document("later", acceptedAt: T0.AddSeconds(2)), Ct);
        var fromThere = await store.ListStaleAcceptedAsync(T0.AddSeconds(3), 2, cursor, Ct);
        Assert.Equal(["later"], fromThere.Items.Select(d => d.Id));
        Assert.Empty((await store.ListStaleAcceptedAsync(T0.AddSeconds(3), 2, fromThere.Next, Ct)).Items);
    }

    [Fact]
    public async Task ListStaleAccepted_RejectsACursorItDidNotMake()
    {
        var store = await OpenStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.ListStaleAcceptedAsync(T0, 10, "not a cursor", Ct));
    }

    [Fact]
    public async Task Prune_ForgetsOldEventIdsAndOldTombstones_KeepsRecentOnesAndLiveDocuments()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("live"), Ct);
        await ApplyAsync(store, "live", "old-event", new StageStatusChanged("extract", StageState.Running, 1));
        await store.RegisterAsync(Document("deleted-long-ago"), Ct);
        await ApplyAsync(store, "deleted-long-ago", "its-event", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync(store, "deleted-long-ago", "its-blob", new StageStatusChanged("extract", StageState.Succeeded, 1, Blobs: [Blob("text")]));
        await store.DeleteAsync("deleted-long-ago", Ct);

        Clock.Advance(TimeSpan.FromDays(9));
        await ApplyAsync(store, "live", "recent-event", new StageStatusChanged("extract", StageState.Succeeded, 1));
        await store.RegisterAsync(Document("deleted-lately", acceptedAt: T0.AddDays(9)), Ct);
        await store.DeleteAsync("deleted-lately", Ct);

        var cutoff = Clock.GetUtcNow().AddDays(-8);
        var pruned = await store.PruneAsync(cutoff, cutoff, Ct);

        Assert.Equal(new StatusPruning(AppliedEvents: 3, DeletedDocuments: 1), pruned);
        Assert.False(await ApplyAsync(store, "live", "recent-event", new StageStatusChanged("extract", StageState.Succeeded, 1)), "a recent event id is still deduplicated");
        Assert.Equal(DocumentState.Processing, (await store.GetAsync("live", Ct))!.State);
        Assert.True(await store.IsDeletedAsync("deleted-lately", Ct), "a recent tombstone is kept");
        Assert.False(await store.IsDeletedAsync("deleted-long-ago", Ct));
        Assert.Equal(RevisionState.Unknown, await store.GetRevisionStateAsync("deleted-long-ago", 1, Ct));
        Assert.Equal(0, await CountStageRowsAsync("deleted-long-ago", Ct));

        // A forgotten event id is folded again (it can no longer be redelivered by the log).
        Assert.True(await ApplyAsync(store, "live", "old-event", new StageStatusChanged("extract", StageState.Running, 1)));
        Assert.Equal(new StatusPruning(0, 0), await store.PruneAsync(cutoff, cutoff, Ct));
    }

    [Fact]
    public async Task Reupload_RacingThePruningOfItsTombstone_AlwaysLands()
    {
        var stores = new[] { await OpenStoreAsync(), await OpenStoreAsync() };
        for (var i = 0; i < 8; i++)
        {
            await stores[0].RegisterAsync(Document($"d{i}"), Ct);
            await stores[0].DeleteAsync($"d{i}", Ct);
        }

        Clock.Advance(TimeSpan.FromDays(9));
        var cutoff = Clock.GetUtcNow().AddDays(-8);
        var prune = Task.Run(() => stores[1].PruneAsync(cutoff, cutoff, Ct), Ct);
        var uploads = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => stores[0].RegisterAsync(Document($"d{i}"), Ct), Ct)));
        await prune; // and it neither failed nor deadlocked

        // Each upload starts the document over, as the next revision of its tombstone or (pruned first) as a new one.
        Assert.All(uploads, u => Assert.True(u.Created));
        for (var i = 0; i < 8; i++)
        {
            var status = (await stores[1].GetAsync($"d{i}", Ct))!;
            Assert.Equal(DocumentState.Accepted, status.State);
            Assert.Equal(RevisionState.Current, await stores[1].GetRevisionStateAsync($"d{i}", status.Document.Revision, Ct));
        }
    }
}

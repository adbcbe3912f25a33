using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>Deletion, revisions, and late status of deleted or superseded revisions.</summary>
public abstract partial class StatusStoreConformance
{
    [Fact]
    public async Task Delete_HidesTheDocument_AndReturnsIt_Once()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await store.RegisterAsync(Document("d2"), Ct);

        var deletion = await store.DeleteAsync("d1", Ct);

        Assert.Equal(Document("d1"), deletion!.Document);
        Assert.Null(await store.GetAsync("d1", Ct));
        Assert.True(await store.IsDeletedAsync("d1", Ct));
        Assert.False(await store.IsDeletedAsync("d2", Ct));
        Assert.False(await store.IsDeletedAsync("nobody", Ct));
        Assert.Null(await store.DeleteAsync("d1", Ct));
        Assert.Null(await store.DeleteAsync("nobody", Ct));
        Assert.Equal(["d2"], (await store.ListAsync("default", 10, null, Ct)).Items.Select(d => d.Document.Id));
    }

    [Fact]
    public async Task Apply_ToADeletedDocument_ReturnsFalse_AndShowsNothing()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await store.DeleteAsync("d1", Ct);

        Assert.False(await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1)));

        Assert.Null(await store.GetAsync("d1", Ct));
        Assert.Equal(0, await CountStageRowsAsync("d1", Ct));
    }

    [Fact]
    public async Task RevisionState_FollowsRegistrationDeletionAndReupload()
    {
        var store = await OpenStoreAsync();
        Assert.Equal(RevisionState.Unknown, await store.GetRevisionStateAsync("d1", 1, Ct));
        await store.RegisterAsync(Document("d1"), Ct);
        Assert.Equal(RevisionState.Current, await store.GetRevisionStateAsync("d1", 1, Ct));

        await store.DeleteAsync("d1", Ct);
        Assert.Equal(RevisionState.Deleted, await store.GetRevisionStateAsync("d1", 1, Ct));

        var (again, created) = await store.RegisterAsync(Document("d1", name: "again.txt"), Ct);
        Assert.True(created);
        Assert.Equal(2, again.Document.Revision);
        Assert.Equal("again.txt", again.Document.FileName);
        Assert.False(await store.IsDeletedAsync("d1", Ct));
        Assert.Equal(RevisionState.Superseded, await store.GetRevisionStateAsync("d1", 1, Ct));
        Assert.Equal(RevisionState.Current, await store.GetRevisionStateAsync("d1", 2, Ct));
    }

    [Fact]
    public async Task Reupload_StartsOverWithoutTheDeletedRevisionsStages()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Failed, 1, Error: "boom"));
        await store.DeleteAsync("d1", Ct);

        var (again, _) = await store.RegisterAsync(Document("d1"), Ct);

        Assert.Equal(DocumentState.Accepted, again.State);
        Assert.Null(again.Error);
        Assert.Null(again.Chunks);
        Assert.All(again.Stages.Values, s => Assert.Equal(StageState.Pending, s.State));
    }

    [Fact]
    public async Task Reupload_OfADeletedIdFromManyProcessesAtOnce_CreatesOneNextRevision()
    {
        var stores = new[] { await OpenStoreAsync(), await OpenStoreAsync() };
        await stores[0].RegisterAsync(Document("d1"), Ct);
        await stores[0].DeleteAsync("d1", Ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => stores[i % 2].RegisterAsync(Document("d1"), Ct), Ct)));

        Assert.Single(results, r => r.Created);
        Assert.All(results, r => Assert.Equal(2, r.Status.Document.Revision));
        Assert.Equal(RevisionState.Current, await stores[1].GetRevisionStateAsync("d1", 2, Ct));
    }

    [Fact]
    public async Task StatusOfASupersededRevision_ChangesNothingInTheNewOne()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await store.DeleteAsync("d1", Ct);
        await store.RegisterAsync(Document("d1"), Ct);
        var old = new StageStatusChanged("extract", StageState.DeadLettered, 1, Error: "the uploaded file is no longer in the blob store", ErrorType: "permanent");

        var applied = await store.ApplyAsync(EventEnvelope.Create(Topics.DocumentsStatus, "default", "d1", old, "old", T0, revision: 1), Ct);

        Assert.False(applied);
        var status = await store.GetAsync("d1", Ct);
        Assert.Equal(DocumentState.Accepted, status!.State);
        Assert.Equal(StageState.Pending, status.Stages["extract"].State);
    }

    [Fact]
    public async Task Delete_RacingFolds_LeavesNoStageRowBehind_AndLosesNoBlob()
    {
        var stores = new[] { await OpenStoreAsync(), await OpenStoreAsync() };
        await stores[0].RegisterAsync(Document("d1"), Ct);
        var blobs = Enumerable.Range(0, 12).Select(i => Blob($"derived-{i}")).ToList();
        var folds = blobs.Select((b, i) => Envelope("d1", new StageStatusChanged(i % 2 == 0 ? "extract" : "chunk", StageState.Running, 1, Blobs: [b]))).ToList();

        var work = folds.Select((e, i) => Task.Run(() => stores[i % 2].ApplyAsync(e, Ct), Ct)).ToList();
        var deletion = Task.Run(() => stores[1].DeleteAsync("d1", Ct), Ct);
        await Task.WhenAll(work);
        Assert.NotNull(await deletion);

        // A fold after the tombstone writes nothing; one before it had its stage row removed with the document.
        Assert.Equal(0, await CountStageRowsAsync("d1", Ct));
        Assert.Null(await stores[0].GetAsync("d1", Ct));

        // Every blob a fold named is queued: by the deletion (recorded before it) or by the late fold itself.
        var garbage = await DrainGarbageAsync(stores[0]);
        Assert.Subset(garbage.Where(g => g.Blob is not null).Select(g => g.Blob!.Uri).ToHashSet(), blobs.Select(b => b.Uri).ToHashSet());
        Assert.Contains(garbage, g => g.Owner == new BlobOwner("d1", 1));
    }
}

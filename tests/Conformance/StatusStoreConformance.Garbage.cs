using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>The queue of blobs deletions leave behind, as the collector and the uploads use it.</summary>
public abstract partial class StatusStoreConformance
{
    [Fact]
    public async Task Delete_QueuesTheSourceAndTheRevisionsOwnBlobs_AndTheCollectorClaimsThemCondemned()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await store.DeleteAsync("d1", Ct);
        Assert.Equal(2, await store.CountBlobGarbageAsync(Ct));

        var claimed = await store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct);

        Assert.Equal(2, claimed.Count);
        Assert.Contains(claimed, g => g.Blob == Source);
        Assert.Contains(claimed, g => g.Owner == new BlobOwner("d1", 1));
        Assert.True(await store.IsBlobCondemnedAsync(Source.Uri, Ct));
        Assert.Empty(await store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct)); // held by the first claim

        await store.ReleaseBlobGarbageAsync(claimed, Ct);
        Assert.False(await store.IsBlobCondemnedAsync(Source.Uri, Ct));
        Assert.Equal(0, await store.CountBlobGarbageAsync(Ct));
    }

    [Fact]
    public async Task Delete_QueuesTheBlobsTheStagesRecorded()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        var text = Blob("text");
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Succeeded, 1, Blobs: [text]));
        await store.DeleteAsync("d1", Ct);

        var claimed = await store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct);

        Assert.Contains(claimed, g => g.Blob == text);
        Assert.Equal(3, claimed.Count);
    }

    [Fact]
    public async Task Delete_OfADocumentKnownOnlyFromItsStatus_QueuesNoBlobWithoutAnAddress()
    {
        var store = await OpenStoreAsync();
        await ApplyAsync(store, "lost", new StageStatusChanged("extract", StageState.Running, 1));

        Assert.NotNull(await store.DeleteAsync("lost", Ct));

        // Its registration was lost, so its source is not known: there is nothing at an empty address to remove.
        var claimed = await store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct);
        Assert.Equal([new BlobOwner("lost", 1)], claimed.Select(g => g.Owner));
    }

    [Fact]
    public async Task SourceTakenUpAgain_BeforeTheCollectorLooks_IsNotGarbage()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1", tenant: "a"), Ct);
        await store.DeleteAsync("d1", Ct);
        await store.RegisterAsync(Document("d2", tenant: "b"), Ct); // another tenant, the same bytes

        var claimed = await store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct);

        Assert.DoesNotContain(claimed, g => g.Blob?.Uri == Source.Uri);
        Assert.False(await store.IsBlobCondemnedAsync(Source.Uri, Ct));
        Assert.Contains(claimed, g => g.Owner == new BlobOwner("d1", 1)); // d1's own derived blobs still go
        Assert.Equal(1, await store.CountBlobGarbageAsync(Ct)); // the source was dropped from the queue, not left in it
    }

    [Fact]
    public async Task ARecordedBlobTakenUpAgain_IsNotGarbage()
    {
        var store = await OpenStoreAsync();
        var shared = Blob("shared");
        await store.RegisterAsync(Document("d1", source: Blob("one", 'c')), Ct);
        await store.RegisterAsync(Document("d2", source: Blob("two", 'd')), Ct);
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Succeeded, 1, Blobs: [shared]));
        await ApplyAsync(store, "d2", new StageStatusChanged("extract", StageState.Succeeded, 1, Blobs: [shared]));

        await store.DeleteAsync("d1", Ct);
        var claimed = await store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct);

        Assert.DoesNotContain(claimed, g => g.Blob == shared);
        Assert.Contains(claimed, g => g.Blob?.Uri == Blob("one", 'c').Uri);
    }

    [Fact]
    public async Task ACondemnationLeftByACollectorThatDied_IsTakenUpAgainOnceStale()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await store.DeleteAsync("d1", Ct);
        Assert.NotEmpty(await store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct));

        Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(await store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct));
        Clock.Advance(TimeSpan.FromSeconds(2));
        var again = await store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct);

        Assert.Equal(2, again.Count);
        Assert.True(await store.IsBlobCondemnedAsync(Source.Uri, Ct));
    }

    [Fact]
    public async Task Release_ForgetsOnlyWhatWasClaimed()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await store.DeleteAsync("d1", Ct);
        var claimed = await store.ClaimBlobGarbageAsync(1, TimeSpan.FromMinutes(1), Ct);
        var unclaimed = new BlobGarbage(Source.Uri == claimed[0].Key ? "owner:d1:1" : Source.Uri, null, null);

        await store.ReleaseBlobGarbageAsync([claimed[0], unclaimed], Ct);

        Assert.Equal(1, await store.CountBlobGarbageAsync(Ct));
        Assert.Single(await store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct));
    }

    [Fact]
    public async Task LateStatusOfADeletedRevision_QueuesTheBlobsItNames()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await store.DeleteAsync("d1", Ct);
        var late = new BlobReference("blob:doc:d1/1/sha256:" + new string('b', 64), new string('b', 64), 5, "text/plain");
        var status = new StageStatusChanged("extract", StageState.Succeeded, 1, Blobs: [late]);

        var applied = await store.ApplyAsync(EventEnvelope.Create(Topics.DocumentsStatus, "default", "d1", status, "late", T0), Ct);

        Assert.False(applied);
        var claimed = await store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct);
        Assert.Contains(claimed, g => g.Blob == late);
    }

    [Fact]
    public async Task TwoCollectorsClaimingAtOnce_NeverGetTheSameEntry()
    {
        var stores = new[] { await OpenStoreAsync(), await OpenStoreAsync() };
        for (var i = 0; i < 30; i++)
        {
            await stores[0].RegisterAsync(Document($"d{i}", source: Blob($"source-{i}")), Ct);
            await stores[0].DeleteAsync($"d{i}", Ct);
        }

        var collectors = stores.Select(store => Task.Run(async () =>
        {
            var mine = new List<string>();
            while (true)
            {
                var claimed = await store.ClaimBlobGarbageAsync(4, TimeSpan.FromMinutes(1), Ct);
                if (claimed.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(claimed.Select(g => g.Key));
            }
        }, Ct)).ToList();
        var keys = (await Task.WhenAll(collectors)).SelectMany(k => k).ToList();

        Assert.Equal(60, keys.Count);
        Assert.Equal(60, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task AClaimAndAnUploadOfTheSameBytes_NeverBothGoAhead()
    {
        // The upload registers its reference, then waits while the blob is condemned. Whatever the interleaving, a
        // claim that condemned the source must be seen by the upload after its registration committed.
        var stores = new[] { await OpenStoreAsync(), await OpenStoreAsync() };
        for (var round = 0; round < 20; round++)
        {
            var source = Blob($"round-{round}");
            await stores[0].RegisterAsync(Document($"old-{round}", source: source), Ct);
            await stores[0].DeleteAsync($"old-{round}", Ct);

            var claim = Task.Run(() => stores[0].ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct), Ct);
            var upload = Task.Run(async () =>
            {
                await stores[1].RegisterAsync(Document($"new-{round}", source: source), Ct);
                return await stores[1].IsBlobCondemnedAsync(source.Uri, Ct);
            }, Ct);
            var claimed = await claim;
            var uploadWaits = await upload;

            if (claimed.Any(g => g.Blob == source))
            {
                Assert.True(uploadWaits, $"round {round}: the source was condemned but the upload did not see it");
            }

            await stores[0].ReleaseBlobGarbageAsync(claimed, Ct);
            await DrainGarbageAsync(stores[0]);
        }
    }
}

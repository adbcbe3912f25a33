using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Tests.Stores;

/// <summary>Revisions, and the queue of blobs deletions leave behind, as the collector and the stages use them.</summary>
public sealed class SqliteStatusStoreGarbageTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly BlobReference Source = new("blob:sha256:" + new string('a', 64), new string('a', 64), 10, "text/plain");
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-status", Guid.NewGuid().ToString("N"));
    private readonly SqliteStatusStore _store;

    public SqliteStatusStoreGarbageTests()
    {
        _store = new SqliteStatusStore(Options.Create(new SqliteStoreOptions
        {
            StatusPath = Path.Combine(_directory, "status.db"),
            PipelineStages = ["extract"],
        }));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RevisionState_FollowsRegistrationDeletionAndReupload()
    {
        Assert.Equal(RevisionState.Unknown, await _store.GetRevisionStateAsync("d1", 1, Ct));
        await _store.RegisterAsync(Document("d1", "default"), Ct);
        Assert.Equal(RevisionState.Current, await _store.GetRevisionStateAsync("d1", 1, Ct));

        await _store.DeleteAsync("d1", Ct);
        Assert.Equal(RevisionState.Deleted, await _store.GetRevisionStateAsync("d1", 1, Ct));

        var (again, created) = await _store.RegisterAsync(Document("d1", "default"), Ct);
        Assert.True(created);
        Assert.Equal(2, again.Document.Revision);
        Assert.Equal(RevisionState.Superseded, await _store.GetRevisionStateAsync("d1", 1, Ct));
        Assert.Equal(RevisionState.Current, await _store.GetRevisionStateAsync("d1", 2, Ct));
    }

    [Fact]
    public async Task Delete_QueuesTheSourceAndTheRevisionsOwnBlobs_AndTheCollectorClaimsThemCondemned()
    {
        await _store.RegisterAsync(Document("d1", "default"), Ct);
        await _store.DeleteAsync("d1", Ct);

        var claimed = await _store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct);

        Assert.Equal(2, claimed.Count);
        Assert.Contains(claimed, g => g.Blob?.Uri == Source.Uri);
        Assert.Contains(claimed, g => g.Owner == new BlobOwner("d1", 1));
        Assert.True(await _store.IsBlobCondemnedAsync(Source.Uri, Ct));
        Assert.Empty(await _store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct)); // held by the first claim

        await _store.ReleaseBlobGarbageAsync(claimed, Ct);
        Assert.False(await _store.IsBlobCondemnedAsync(Source.Uri, Ct));
        Assert.Equal(0, await _store.CountBlobGarbageAsync(Ct));
    }

    [Fact]
    public async Task SourceTakenUpAgain_BeforeTheCollectorLooks_IsNotGarbage()
    {
        await _store.RegisterAsync(Document("d1", "a"), Ct);
        await _store.DeleteAsync("d1", Ct);
        await _store.RegisterAsync(Document("d2", "b"), Ct); // another tenant, the same bytes

        var claimed = await _store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct);

        Assert.DoesNotContain(claimed, g => g.Blob?.Uri == Source.Uri);
        Assert.False(await _store.IsBlobCondemnedAsync(Source.Uri, Ct));
        Assert.Contains(claimed, g => g.Owner == new BlobOwner("d1", 1)); // d1's own derived blobs still go
    }

    [Fact]
    public async Task ACondemnationLeftByACollectorThatDied_IsTakenUpAgainOnceStale()
    {
        await _store.RegisterAsync(Document("d1", "default"), Ct);
        await _store.DeleteAsync("d1", Ct);
        Assert.NotEmpty(await _store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct));

        var again = await _store.ClaimBlobGarbageAsync(10, TimeSpan.Zero - TimeSpan.FromSeconds(1), Ct);

        Assert.Equal(2, again.Count);
    }

    [Fact]
    public async Task LateStatusOfADeletedRevision_QueuesTheBlobsItNames()
    {
        await _store.RegisterAsync(Document("d1", "default"), Ct);
        await _store.DeleteAsync("d1", Ct);
        var late = new BlobReference("blob:doc:d1/1/sha256:" + new string('b', 64), new string('b', 64), 5, "text/plain");
        var status = new StageStatusChanged("extract", StageState.Succeeded, 1, Blobs: [late]);

        var applied = await _store.ApplyAsync(EventEnvelope.Create(Topics.DocumentsStatus, "default", "d1", status, "late", T0), Ct);

        Assert.False(applied);
        var claimed = await _store.ClaimBlobGarbageAsync(10, TimeSpan.FromMinutes(1), Ct);
        Assert.Contains(claimed, g => g.Blob?.Uri == late.Uri);
    }

    [Fact]
    public async Task StatusOfASupersededRevision_ChangesNothingInTheNewOne()
    {
        await _store.RegisterAsync(Document("d1", "default"), Ct);
        await _store.DeleteAsync("d1", Ct);
        await _store.RegisterAsync(Document("d1", "default"), Ct);
        var old = new StageStatusChanged("extract", StageState.DeadLettered, 1, Error: "the uploaded file is no longer in the blob store", ErrorType: "permanent");

        var applied = await _store.ApplyAsync(EventEnvelope.Create(Topics.DocumentsStatus, "default", "d1", old, "old", T0, revision: 1), Ct);

        Assert.False(applied);
        var status = await _store.GetAsync("d1", Ct);
        Assert.Equal(DocumentState.Accepted, status!.State);
        Assert.Equal(StageState.Pending, status.Stages["extract"].State);
    }

    private static DocumentRecord Document(string id, string tenant) => new(id, tenant, "a.txt", "text/plain", "text", Source, T0);

    public void Dispose()
    {
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

using Microsoft.Extensions.Time.Testing;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>
/// Behaviour every <see cref="IStatusChangeFeed"/> must have: the status store records its own changes, in the same
/// transaction, in an order readers can page through. A fixture says how to open a status store (which is its own
/// feed) on an empty backend of this test's own.
/// </summary>
public abstract class StatusChangeFeedConformance : IAsyncDisposable
{
    protected static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Pipeline = ["extract", "chunk"];
    private static readonly BlobReference Source = new($"blob:sha256:source-{new string('a', 16)}", new string('a', 64), 10, "text/plain");

    private readonly OwnedResources _resources = new();
    private int _sequence;

    protected FakeTimeProvider Clock { get; } = new(T0);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public virtual async ValueTask DisposeAsync()
    {
        await _resources.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Opens a status store (also an <see cref="IStatusChangeFeed"/>) on this test's backend.</summary>
    protected abstract Task<IStatusStore> CreateStoreAsync(IReadOnlyList<string> pipeline, TimeProvider time, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until every change committed so far is readable. A backend may hold a committed change back while a
    /// transaction that started before it is still running (so that no reader moves past a change still to come);
    /// the suite reads after this, so that it sees its own writes.
    /// </summary>
    protected virtual Task SettleAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [Fact]
    public async Task AFullRun_IsRecordedInOrder_WithEveryField()
    {
        var (store, feed) = await OpenAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1, Progress: 0.5));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Succeeded, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Running, 1));
        var last = await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Succeeded, 1));

        var changes = await feed.ReadAsync(null, 0, 100, cancellationToken: Ct);

        Assert.Equal(
            [
                StatusChangeTypes.Accepted, StatusChangeTypes.StageChanged, StatusChangeTypes.Progress, StatusChangeTypes.StageChanged,
                StatusChangeTypes.StageChanged, StatusChangeTypes.StageChanged, StatusChangeTypes.Completed,
            ],
            changes.Select(c => c.Type));
        Assert.True(changes.Zip(changes.Skip(1)).All(p => p.First.Position < p.Second.Position), "positions grow");
        Assert.Equal(
            new StatusChange(changes[0].Position, StatusChangeTypes.Accepted, "default", "d1", 1, DocumentState.Accepted, null, null, null, null, T0),
            changes[0]);
        Assert.Equal((DocumentState.Processing, "extract", StageState.Running, 0.5), (changes[2].State, changes[2].Stage, changes[2].StageState, changes[2].Progress));
        Assert.Equal(
            new StatusChange(changes[6].Position, StatusChangeTypes.Completed, "default", "d1", 1, DocumentState.Completed, "chunk", StageState.Succeeded, 1, null, last),
            changes[6]);
        Assert.Equal(last, changes[5].At);
        Assert.Equal(changes[6].Position, await feed.LatestPositionAsync(Ct));
    }

    [Fact]
    public async Task AnEmptyFeed_StartsAtZero()
    {
        var (_, feed) = await OpenAsync();

        Assert.Equal(0, await feed.LatestPositionAsync(Ct));
        Assert.Empty(await feed.ReadAsync(null, 0, 10, cancellationToken: Ct));
    }

    [Fact]
    public async Task ATenantReads_OnlyItsOwnChanges()
    {
        var (store, feed) = await OpenAsync();
        await store.RegisterAsync(Document("a1", tenant: "acme"), Ct);
        await store.RegisterAsync(Document("b1", tenant: "globex"), Ct);
        await ApplyAsync(store, "a1", new StageStatusChanged("extract", StageState.Running, 1), tenant: "acme");
        await ApplyAsync(store, "b1", new StageStatusChanged("extract", StageState.Running, 1), tenant: "globex");

        var acme = await feed.ReadAsync("acme", 0, 100, cancellationToken: Ct);
        var everyone = await feed.ReadAsync(null, 0, 100, cancellationToken: Ct);

        Assert.Equal(["a1", "a1"], acme.Select(c => c.DocumentId));
        Assert.All(acme, c => Assert.Equal("acme", c.Tenant));
        Assert.Equal(["a1", "b1", "a1", "b1"], everyone.Select(c => c.DocumentId));
        Assert.Empty(await feed.ReadAsync("acme", 0, 100, "b1", Ct));
    }

    [Fact]
    public async Task ADocumentFilter_ReadsThatDocumentsChangesOnly()
    {
        var (store, feed) = await OpenAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await store.RegisterAsync(Document("d2"), Ct);
        await ApplyAsync(store, "d2", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1));

        var d1 = await feed.ReadAsync("default", 0, 100, "d1", Ct);

        Assert.Equal([StatusChangeTypes.Accepted, StatusChangeTypes.StageChanged], d1.Select(c => c.Type));
        Assert.All(d1, c => Assert.Equal("d1", c.DocumentId));
        Assert.Equal(d1, await feed.ReadAsync(null, 0, 100, "d1", Ct));
    }

    [Fact]
    public async Task PagingWithLimitAndAfter_ReadsEveryChangeOnce()
    {
        var (store, feed) = await OpenAsync();
        for (var i = 0; i < 7; i++)
        {
            await store.RegisterAsync(Document($"d{i}"), Ct);
        }

        var all = await feed.ReadAsync(null, 0, 100, cancellationToken: Ct);
        var paged = new List<StatusChange>();
        long after = 0;
        while (await feed.ReadAsync("default", after, 3, cancellationToken: Ct) is { Count: > 0 } page)
        {
            Assert.True(page.Count <= 3);
            paged.AddRange(page);
            after = page[^1].Position;
        }

        Assert.Equal(7, all.Count);
        Assert.Equal(all, paged);
        Assert.Equal(all[^1].Position, await feed.LatestPositionAsync(Ct));
        Assert.Equal(all.Skip(5), await feed.ReadAsync(null, all[4].Position, 100, cancellationToken: Ct));
    }

    [Fact]
    public async Task DuplicateStaleAndLateEvents_AndRepeatedRegistrations_RecordNothing()
    {
        var (store, feed) = await OpenAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        var running = Envelope("d1", new StageStatusChanged("extract", StageState.Running, 1));
        Assert.True(await store.ApplyAsync(running, Ct));
        var before = await feed.LatestPositionAsync(Ct);

        Assert.False(await store.ApplyAsync(running, Ct)); // redelivered
        Assert.False((await store.RegisterAsync(Document("d1"), Ct)).Created); // uploaded again while live
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Succeeded, 1));
        var afterSuccess = await feed.LatestPositionAsync(Ct);
        // A retry report of an attempt that already ended (consumed late) changes nothing.
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Retrying, 1, Error: "late"), T0);
        await store.DeleteAsync("d1", Ct);
        var afterDelete = await feed.LatestPositionAsync(Ct);
        await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Running, 1)); // late news of a deleted document
        Assert.Null(await store.DeleteAsync("d1", Ct));

        var changes = await feed.ReadAsync(null, before, 100, cancellationToken: Ct);
        Assert.Equal([StatusChangeTypes.StageChanged, StatusChangeTypes.Deleted], changes.Select(c => c.Type));
        Assert.True(afterSuccess > before);
        Assert.Equal(afterDelete, await feed.LatestPositionAsync(Ct));
    }

    [Fact]
    public async Task ADeletion_IsRecorded_AndAnUploadAfterIt_IsTheNextRevision()
    {
        var (store, feed) = await OpenAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1));
        Clock.Advance(TimeSpan.FromMinutes(1));
        await store.DeleteAsync("d1", Ct);
        await store.RegisterAsync(Document("d1", acceptedAt: T0.AddMinutes(2)), Ct);

        var changes = await feed.ReadAsync("default", 0, 100, "d1", Ct);

        Assert.Equal([StatusChangeTypes.Accepted, StatusChangeTypes.StageChanged, StatusChangeTypes.Deleted, StatusChangeTypes.Accepted], changes.Select(c => c.Type));
        Assert.Equal((1, DocumentState.Processing, T0.AddMinutes(1)), (changes[2].Revision, changes[2].State, changes[2].At));
        Assert.Equal((2, DocumentState.Accepted), (changes[3].Revision, changes[3].State));
    }

    [Fact]
    public async Task AFailure_EndsWithAFailedChange_CarryingTheError()
    {
        var (store, feed) = await OpenAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Retrying, 1, Error: "timeout", ErrorType: "transient", NextAttemptAt: T0.AddHours(1)));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Failed, 2, Error: "not a PDF", ErrorType: "permanent"));

        var changes = await feed.ReadAsync(null, 0, 100, "d1", Ct);

        Assert.Equal(
            [StatusChangeTypes.Accepted, StatusChangeTypes.StageChanged, StatusChangeTypes.StageChanged, StatusChangeTypes.StageChanged, StatusChangeTypes.Failed],
            changes.Select(c => c.Type));
        Assert.Equal((StageState.Retrying, DocumentState.Processing, (DocumentError?)null), (changes[2].StageState, changes[2].State, changes[2].Error));
        Assert.All(changes.TakeLast(2), c => Assert.Equal(
            (DocumentState.Failed, "extract", (StageState?)StageState.Failed, new DocumentError("extract", "not a PDF")),
            (c.State, c.Stage, c.StageState, c.Error)));
    }

    [Fact]
    public async Task ADeadLetter_EndsWithADeadLetteredChange_OnlyOnceNoOtherStageRuns()
    {
        var (store, feed) = await OpenAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Running, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.DeadLettered, 1, Error: "poison"));
        var beforeEnd = await feed.LatestPositionAsync(Ct);
        await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Succeeded, 1));

        var all = await feed.ReadAsync(null, 0, 100, "d1", Ct);
        var end = await feed.ReadAsync(null, beforeEnd, 100, "d1", Ct);

        Assert.DoesNotContain(all.SkipLast(1), c => c.Type == StatusChangeTypes.DeadLettered);
        Assert.Equal([StatusChangeTypes.StageChanged, StatusChangeTypes.DeadLettered], end.Select(c => c.Type));
        Assert.Equal(
            (DocumentState.DeadLettered, "chunk", (StageState?)StageState.Succeeded, new DocumentError("extract", "poison")),
            (end[1].State, end[1].Stage, end[1].StageState, end[1].Error));
    }

    [Fact]
    public async Task Pruning_RemovesChangesRecordedBeforeTheAppliedHorizon_AndNeverReusesAPosition()
    {
        var (store, feed) = await OpenAsync();
        await store.RegisterAsync(Document("old"), Ct);
        await ApplyAsync(store, "old", new StageStatusChanged("extract", StageState.Running, 1));
        Clock.Advance(TimeSpan.FromHours(2));
        await store.RegisterAsync(Document("new", acceptedAt: T0.AddHours(2)), Ct);
        var kept = await feed.ReadAsync(null, 0, 100, "new", Ct);
        var newest = await feed.LatestPositionAsync(Ct);

        await store.PruneAsync(T0.AddHours(1), T0, Ct);

        Assert.Equal(kept, await feed.ReadAsync(null, 0, 100, cancellationToken: Ct));
        Assert.Equal(newest, await feed.LatestPositionAsync(Ct));
        await store.RegisterAsync(Document("newer", acceptedAt: T0.AddHours(2)), Ct);
        Assert.True((await feed.ReadAsync(null, newest, 100, cancellationToken: Ct)).Single().Position > newest);
    }

    private async Task<(IStatusStore Store, IStatusChangeFeed Feed)> OpenAsync()
    {
        var store = await CreateStoreAsync(Pipeline, Clock, Ct);
        _resources.Add(store);
        return (store, new SettledFeed(Assert.IsAssignableFrom<IStatusChangeFeed>(store), SettleAsync));
    }

    private static DocumentRecord Document(string id, string tenant = "default", DateTimeOffset? acceptedAt = null)
        => new(id, tenant, "a.txt", "text/plain", "text", Source, acceptedAt ?? T0);

    /// <summary>Applies a fresh event (its time <paramref name="at"/>, or one second later than the previous one); returns that time.</summary>
    private async Task<DateTimeOffset> ApplyAsync(IStatusStore store, string documentId, StageStatusChanged change, DateTimeOffset? at = null, string tenant = "default")
    {
        var envelope = Envelope(documentId, change, at, tenant);
        await store.ApplyAsync(envelope, Ct);
        return envelope.OccurredAt;
    }

    /// <summary>The store's feed, read after <see cref="SettleAsync"/>.</summary>
    private sealed class SettledFeed(IStatusChangeFeed feed, Func<CancellationToken, Task> settle) : IStatusChangeFeed
    {
        public async Task<IReadOnlyList<StatusChange>> ReadAsync(
            string? tenant, long after, int limit, string? documentId = null, CancellationToken cancellationToken = default)
        {
            await settle(cancellationToken);
            return await feed.ReadAsync(tenant, after, limit, documentId, cancellationToken);
        }

        public async Task<long> LatestPositionAsync(CancellationToken cancellationToken = default)
        {
            await settle(cancellationToken);
            return await feed.LatestPositionAsync(cancellationToken);
        }
    }

    private EventEnvelope Envelope(string documentId, StageStatusChanged change, DateTimeOffset? at = null, string tenant = "default")
    {
        var n = Interlocked.Increment(ref _sequence);
        return EventEnvelope.Create(Topics.DocumentsStatus, tenant, documentId, change, $"e{n}", at ?? T0.AddSeconds(n));
    }
}

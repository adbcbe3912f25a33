using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded.Tests.EventLog;

namespace Sluice.Embedded.Tests.Stores;

/// <summary>The status store's housekeeping: listing documents to redrive, and pruning old bookkeeping.</summary>
public sealed class SqliteStatusStoreMaintenanceTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-status", Guid.NewGuid().ToString("N"));
    private readonly ManualClock _clock = new(T0);
    private readonly SqliteStatusStore _store;

    public SqliteStatusStoreMaintenanceTests()
    {
        _store = new SqliteStatusStore(Options.Create(new SqliteStoreOptions
        {
            StatusPath = StatusPath,
            PipelineStages = ["extract", "chunk"],
        }), _clock);
    }

    private string StatusPath => Path.Combine(_directory, "status.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListStaleAccepted_ReturnsOnlyLiveAcceptedDocumentsOlderThanTheCutoff_OldestFirst()
    {
        await _store.RegisterAsync(Document("second", T0.AddMinutes(1)), Ct);
        await _store.RegisterAsync(Document("first", T0), Ct);
        await _store.RegisterAsync(Document("young", T0.AddMinutes(10)), Ct);
        await _store.RegisterAsync(Document("processing", T0), Ct);
        await Apply("processing", "e1", new StageStatusChanged("extract", StageState.Running, 1));
        await _store.RegisterAsync(Document("deleted", T0), Ct);
        await _store.DeleteAsync("deleted", Ct);

        var page = await _store.ListStaleAcceptedAsync(T0.AddMinutes(5), 100, cancellationToken: Ct);

        Assert.Equal(["first", "second"], page.Items.Select(d => d.Id));
        Assert.Equal(T0, page.Items[0].AcceptedAt);
        Assert.Equal("blob:sha256:first", page.Items[0].Source.Uri);
        Assert.Equal(1, page.Items[0].Revision);
    }

    [Fact]
    public async Task ListStaleAccepted_PagesThroughEveryDocument_EvenWithEqualAcceptanceTimes()
    {
        for (var i = 0; i < 5; i++)
        {
            await _store.RegisterAsync(Document($"d{i}", T0), Ct);
        }

        var ids = new List<string>();
        string? cursor = null;
        var pages = 0;
        Page<DocumentRecord> page;
        do
        {
            page = await _store.ListStaleAcceptedAsync(T0.AddSeconds(1), 2, cursor, Ct);
            ids.AddRange(page.Items.Select(d => d.Id));
            cursor = page.Next ?? cursor;
            pages++;
        }
        while (page.Items.Count == 2);

        Assert.Equal(["d0", "d1", "d2", "d3", "d4"], ids);
        Assert.Equal(3, pages);

        // The last position is kept: documents that become stale later are found from there, the others not again.
        await _store.RegisterAsync(Document("later", T0.AddSeconds(2)), Ct);
        var fromThere = await _store.ListStaleAcceptedAsync(T0.AddSeconds(3), 2, cursor, Ct);
        Assert.Equal(["later"], fromThere.Items.Select(d => d.Id));
        Assert.Empty((await _store.ListStaleAcceptedAsync(T0.AddSeconds(3), 2, fromThere.Next, Ct)).Items);
    }

    [Fact]
    public async Task ListStaleAccepted_ReadsThePartialIndex_NotTheWholeTable()
    {
        await _store.RegisterAsync(Document("d1", T0), Ct);
        await using var connection = new SqliteConnection($"Data Source={StatusPath};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + SqliteStatusStore.StaleAcceptedSql;
        command.Parameters.AddWithValue("$before", "x");
        command.Parameters.AddWithValue("$afterAt", string.Empty);
        command.Parameters.AddWithValue("$afterSeq", 0);
        command.Parameters.AddWithValue("$limit", 10);
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.Contains(plan, step => step.Contains("USING INDEX documents_unpublished", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prune_ForgetsOldEventIdsAndOldTombstones_KeepsRecentOnesAndLiveDocuments()
    {
        await _store.RegisterAsync(Document("live", T0), Ct);
        await Apply("live", "old-event", new StageStatusChanged("extract", StageState.Running, 1));
        await _store.RegisterAsync(Document("deleted-long-ago", T0), Ct);
        await Apply("deleted-long-ago", "its-event", new StageStatusChanged("extract", StageState.Running, 1));
        await Apply("deleted-long-ago", "its-blob", new StageStatusChanged("extract", StageState.Succeeded, 1,
            Blobs: [new BlobReference("blob:sha256:text", "text", 1, "text/plain")]));
        await _store.DeleteAsync("deleted-long-ago", Ct);

        _clock.Advance(TimeSpan.FromDays(9));
        await Apply("live", "recent-event", new StageStatusChanged("extract", StageState.Succeeded, 1));
        await _store.RegisterAsync(Document("deleted-lately", T0.AddDays(9)), Ct);
        await _store.DeleteAsync("deleted-lately", Ct);

        var cutoff = _clock.GetUtcNow().AddDays(-8);
        var pruned = await _store.PruneAsync(cutoff, cutoff, Ct);

        Assert.Equal(new StatusPruning(AppliedEvents: 3, DeletedDocuments: 1), pruned);
        Assert.False(await Apply("live", "recent-event", new StageStatusChanged("extract", StageState.Succeeded, 1)), "a recent event id is still deduplicated");
        Assert.Equal(DocumentState.Processing, (await _store.GetAsync("live", Ct))!.State);
        Assert.True(await _store.IsDeletedAsync("deleted-lately", Ct), "a recent tombstone is kept");
        Assert.False(await _store.IsDeletedAsync("deleted-long-ago", Ct));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM documents WHERE id = 'deleted-long-ago'"));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM document_blobs WHERE document_id = 'deleted-long-ago'"));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM applied_events WHERE event_id IN ('old-event', 'its-event', 'its-blob')"));
    }

    [Fact]
    public async Task Prune_WorksInBatches_SoOtherWritesInterleave()
    {
        var count = SqliteStatusStore.PruneBatch * 2 + 500;
        await _store.RegisterAsync(Document("d1", T0), Ct);
        await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            Apply("d1", $"e{i}", new StageStatusChanged("extract", StageState.Running, 1, Progress: 0.5))));
        _clock.Advance(TimeSpan.FromDays(9));
        var before = _store.CommittedWriteBatches;

        var pruned = await _store.PruneAsync(_clock.GetUtcNow().AddDays(-8), _clock.GetUtcNow().AddDays(-8), Ct);

        Assert.Equal(count, pruned.AppliedEvents);
        Assert.True(_store.CommittedWriteBatches - before >= 3, $"{_store.CommittedWriteBatches - before} transactions for {count} rows");
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM applied_events"));
    }

    private Task<bool> Apply(string documentId, string eventId, StageStatusChanged change)
        => _store.ApplyAsync(EventEnvelope.Create(Topics.DocumentsStatus, "default", documentId, change, eventId, _clock.GetUtcNow()), Ct);

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={StatusPath};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static DocumentRecord Document(string id, DateTimeOffset acceptedAt)
        => new(id, "default", id + ".txt", "text/plain", "text", new BlobReference("blob:sha256:" + id, id, 1, "text/plain"), acceptedAt);

    public void Dispose()
    {
        _store.Dispose();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

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
    public async Task Usage_IsReadFromTheCoveringIndex_NotTheTable()
    {
        await _store.RegisterAsync(Document("d1", T0), Ct);
        await using var connection = new SqliteConnection($"Data Source={StatusPath};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + SqliteStatusStore.UsageSql;
        command.Parameters.AddWithValue("$tenant", "default");
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.Contains(plan, step => step.Contains("USING COVERING INDEX documents_usage", StringComparison.Ordinal));
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

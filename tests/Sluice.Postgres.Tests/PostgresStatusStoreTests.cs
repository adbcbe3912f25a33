using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Testing;

namespace Sluice.Postgres.Tests;

/// <summary>What the conformance suite cannot see: batches, and the plans of the queries that must stay cheap on millions of rows.</summary>
public sealed class PostgresStatusStoreTests(PostgresServer server) : IAsyncDisposable
{
    private readonly PostgresTestSchema _schema = new(server);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListStaleAccepted_ReadsThePartialIndex_InItsOrder()
    {
        var plan = await ExplainAsync(PostgresStatusStore.StaleAcceptedSql, DateTimeOffset.UtcNow, DateTimeOffset.UnixEpoch, 0L, 10);

        Assert.Contains("documents_unpublished", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_ReadsTheTenantsLiveDocumentsByIndex()
    {
        // Many tenants' documents, some deleted, and fresh statistics: the plan a real table gets.
        await FillDocumentsAsync();

        var plan = await ExplainAsync(PostgresStatusStore.UsageSql, "tenant-7");

        Assert.True(plan.Contains("documents_by_tenant", StringComparison.Ordinal), plan);
    }

    [Fact]
    public async Task TheCollectorsLiveReferenceCheck_ReadsIndexes()
    {
        // Documents with distinct sources and fresh statistics: on empty tables the planner may take any live-documents
        // index (by state, say) as cheap as the right one.
        await FillDocumentsAsync();

        var plan = await ExplainAsync(
            "SELECT EXISTS (SELECT 1 FROM documents WHERE source_uri = $1 AND deleted_at IS NULL) "
            + "OR EXISTS (SELECT 1 FROM document_blobs b JOIN documents d ON d.id = b.document_id WHERE b.uri = $1 AND d.deleted_at IS NULL)",
            "blob:sha256:x");

        Assert.Contains("documents_by_source", plan, StringComparison.Ordinal);
        Assert.Contains("document_blobs_by_uri", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prune_GoesOnBatchAfterBatch_UntilNothingOldIsLeft()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new PostgresStatusStore(await _schema.OpenAsync(), Options.Create(await _schema.OptionsAsync()), clock) { PruneBatch = 7 };
        var source = new BlobReference("blob:sha256:x", "x", 1, "text/plain");
        for (var i = 0; i < 16; i++)
        {
            await store.RegisterAsync(new DocumentRecord($"d{i}", "default", "a.txt", "text/plain", "text", source, clock.GetUtcNow()), Ct);
            var running = new StageStatusChanged("extract", StageState.Running, 1);
            await store.ApplyAsync(EventEnvelope.Create(Topics.DocumentsStatus, "default", $"d{i}", running, $"e{i}", clock.GetUtcNow()), Ct);
            await store.DeleteAsync($"d{i}", Ct);
        }

        clock.Advance(TimeSpan.FromDays(9));
        var pruned = await store.PruneAsync(clock.GetUtcNow().AddDays(-8), clock.GetUtcNow().AddDays(-8), Ct);

        Assert.Equal(new StatusPruning(16, 16), pruned);
        Assert.Equal(RevisionState.Unknown, await store.GetRevisionStateAsync("d15", 1, Ct));
    }

    /// <summary>20,000 documents of 50 tenants, each with its own source, one in seven deleted, and fresh statistics.</summary>
    private async Task FillDocumentsAsync()
    {
        var database = await _schema.OpenAsync();
        await using (var connection = await database.OpenAsync(Ct))
        await using (var fill = new NpgsqlCommand("""
            INSERT INTO documents (id, tenant, file_name, content_type, format, source, source_uri, accepted_at, state, updated_at, deleted_at)
            SELECT 'd' || i, 'tenant-' || (i % 50), 'a.txt', 'text/plain', 'text', jsonb_build_object('size', i), 'blob:sha256:' || i,
                   now(), 'Completed', now(), CASE WHEN i % 7 = 0 THEN now() END
            FROM generate_series(1, 20000) i;
            ANALYZE documents;
            """, connection))
        {
            await fill.ExecuteNonQueryAsync(Ct);
        }
    }

    private async Task<string> ExplainAsync(string sql, params object[] parameters)
    {
        var database = await _schema.OpenAsync();
        await using var connection = await database.OpenAsync(Ct);
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            // The tables are empty here: without this the planner rightly prefers reading them whole.
            await off.ExecuteNonQueryAsync(Ct);
        }

        await using var command = new NpgsqlCommand("EXPLAIN " + sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    public ValueTask DisposeAsync() => _schema.DisposeAsync();
}

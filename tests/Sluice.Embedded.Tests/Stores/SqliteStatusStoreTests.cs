using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Tests.Stores;

public sealed class SqliteStatusStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-status", Guid.NewGuid().ToString("N"));
    private readonly SqliteStatusStore _store;

    public SqliteStatusStoreTests()
    {
        _store = new SqliteStatusStore(Options.Create(new SqliteStoreOptions
        {
            StatusPath = Path.Combine(_directory, "status.db"),
            ChunksPath = Path.Combine(_directory, "chunks.db"),
            PipelineStages = ["extract", "chunk"],
        }));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_ManyAtOnce_SharesTransactions_AndLosesNone()
    {
        var before = _store.CommittedWriteBatches;
        var registrations = Enumerable.Range(0, 300).Select(i => _store.RegisterAsync(Document($"many-{i}"), Ct)).ToList();

        var results = await Task.WhenAll(registrations);

        Assert.All(results, r => Assert.True(r.Created));
        Assert.Equal(300, results.Select(r => r.Status.Document.Id).Distinct().Count());
        Assert.True(_store.CommittedWriteBatches - before < 100, $"{_store.CommittedWriteBatches - before} transactions for 300 registrations");
        for (var i = 0; i < 300; i += 37)
        {
            Assert.Equal(DocumentState.Accepted, (await _store.GetAsync($"many-{i}", Ct))!.State);
        }
    }

    [Fact]
    public async Task AFileOfAnOlderBuild_GainsTheRetryColumns_AndKeepsItsDocuments()
    {
        var directory = Path.Combine(_directory, "old");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "status.db");
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = OlderSchema + """
                INSERT INTO documents (id, tenant, file_name, content_type, format, source_json, accepted_at, state, updated_at)
                VALUES ('d1', 'default', 'a.txt', 'text/plain', 'text', '{"uri":"blob:sha256:x","sha256":"x","size":1,"contentType":"text/plain"}',
                        '2026-01-01T00:00:00.0000000Z', 'Processing', '2026-01-01T00:00:01.0000000Z');
                INSERT INTO stages (document_id, stage, state, attempts, started_at, finished_at, error, progress)
                VALUES ('d1', 'extract', 'Running', 1, '2026-01-01T00:00:01.0000000Z', NULL, NULL, 0);
                """;
            await command.ExecuteNonQueryAsync(Ct);
        }

        var store = new SqliteStatusStore(Options.Create(new SqliteStoreOptions
        {
            StatusPath = path,
            ChunksPath = Path.Combine(directory, "chunks.db"),
            PipelineStages = ["extract", "chunk"],
        }));
        Assert.Equal(StageState.Running, (await store.GetAsync("d1", Ct))!.Stages["extract"].State);

        var retrying = new StageStatusChanged("extract", StageState.Retrying, 1, Error: "429", NextAttemptAt: T0.AddMinutes(1), ErrorType: "transient");
        Assert.True(await store.ApplyAsync(EventEnvelope.Create(Topics.DocumentsStatus, "default", "d1", retrying, "old-e1", T0.AddSeconds(2)), Ct));

        var stage = (await store.GetAsync("d1", Ct))!.Stages["extract"];
        Assert.Equal(StageState.Retrying, stage.State);
        Assert.Equal(T0.AddMinutes(1), stage.NextAttemptAt);
        Assert.Equal("transient", stage.ErrorType);
    }

    /// <summary>The status tables as the first builds created them, before the retry columns.</summary>
    private const string OlderSchema = """
        CREATE TABLE documents (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant TEXT NOT NULL, file_name TEXT NOT NULL,
            content_type TEXT NOT NULL, format TEXT NOT NULL, source_json TEXT NOT NULL, accepted_at TEXT NOT NULL, state TEXT NOT NULL,
            error_stage TEXT, error_reason TEXT, chunks INTEGER, updated_at TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 1, deleted_at TEXT);
        CREATE INDEX documents_by_tenant ON documents (tenant, seq);
        CREATE TABLE stages (
            document_id TEXT NOT NULL, stage TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, started_at TEXT,
            finished_at TEXT, error TEXT, progress REAL, PRIMARY KEY (document_id, stage)) WITHOUT ROWID;
        CREATE TABLE document_blobs (
            document_id TEXT NOT NULL, uri TEXT NOT NULL, blob_json TEXT NOT NULL, PRIMARY KEY (document_id, uri)) WITHOUT ROWID;
        CREATE INDEX document_blobs_by_uri ON document_blobs (uri);
        CREATE TABLE applied_events (event_id TEXT PRIMARY KEY, applied_at TEXT NOT NULL) WITHOUT ROWID;

        """;

    private static DocumentRecord Document(string id, string name = "a.txt", string tenant = "default")
        => new(id, tenant, name, "text/plain", "text", new BlobReference("blob:sha256:x", "x", 1, "text/plain"), T0);

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

using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Tests.Stores;

public sealed class SqliteStatusStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-status", Guid.NewGuid().ToString("N"));
    private readonly SqliteStatusStore _store;
    private int _sequence;

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
    public async Task Register_Twice_KeepsTheFirstAndSaysItExisted()
    {
        var (first, created) = await _store.RegisterAsync(Document("d1", "first.txt"), Ct);
        var (second, createdAgain) = await _store.RegisterAsync(Document("d1", "second.txt"), Ct);

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal("first.txt", second.Document.FileName);
        Assert.Equal(DocumentState.Accepted, first.State);
        Assert.All(first.Stages.Values, s => Assert.Equal(StageState.Pending, s.State));
        Assert.Equal(["extract", "chunk"], first.Stages.Keys);
    }

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
    public async Task Fold_RunningThenSucceeded_ForEveryStage_CompletesWithChunkCount()
    {
        await _store.RegisterAsync(Document("d1"), Ct);

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1));
        Assert.Equal(DocumentState.Processing, (await _store.GetAsync("d1", Ct))!.State);
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Succeeded, 1));
        await ApplyAsync("d1", new StageStatusChanged("chunk", StageState.Running, 1));
        await ApplyAsync("d1", new StageStatusChanged("chunk", StageState.Succeeded, 1, Facts: new Dictionary<string, long> { ["chunks"] = 7 }));

        var status = (await _store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.Completed, status.State);
        Assert.Equal(7, status.Chunks);
        Assert.Equal(1, status.Stages["chunk"].Attempts);
        Assert.NotNull(status.Stages["chunk"].FinishedAt);
    }

    [Fact]
    public async Task Fold_Failure_MarksTheDocumentFailedWithStageAndReason()
    {
        await _store.RegisterAsync(Document("d1"), Ct);

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Failed, 1, Error: "the PDF is encrypted"));

        var status = (await _store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.Failed, status.State);
        Assert.Equal(new DocumentError("extract", "the PDF is encrypted"), status.Error);
        Assert.Equal(StageState.Pending, status.Stages["chunk"].State);
    }

    [Fact]
    public async Task Apply_SameEventTwice_ChangesNothingTheSecondTime()
    {
        await _store.RegisterAsync(Document("d1"), Ct);
        var running = Envelope("d1", new StageStatusChanged("extract", StageState.Running, 1));

        Assert.True(await _store.ApplyAsync(running, Ct));
        Assert.False(await _store.ApplyAsync(running, Ct));

        Assert.Equal(1, (await _store.GetAsync("d1", Ct))!.Stages["extract"].Attempts);
    }

    [Fact]
    public async Task Fold_SecondAttemptAfterFailure_CountsAttemptsAndClearsTheError()
    {
        await _store.RegisterAsync(Document("d1"), Ct);

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Failed, 1, Error: "boom"));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1, Progress: 0.5));

        var status = (await _store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.Processing, status.State);
        Assert.Equal(2, status.Stages["extract"].Attempts);
        Assert.Null(status.Stages["extract"].Error);
        Assert.Equal(0.5, status.Stages["extract"].Progress);
    }

    [Fact]
    public async Task Fold_ACircuitPause_ShowsTheWait_ThenTheSameAttemptRunsOn()
    {
        await _store.RegisterAsync(Document("d1"), Ct);
        var resume = T0.AddSeconds(32);

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync("d1", new StageStatusChanged(
            "extract", StageState.Retrying, 1, Error: "calls are paused (circuit open)", NextAttemptAt: resume, ErrorType: "transient"), T0.AddSeconds(2));
        var paused = (await _store.GetAsync("d1", Ct))!;
        Assert.Equal(StageState.Retrying, paused.Stages["extract"].State);
        Assert.Equal(resume, paused.NextAttemptAt);

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1, Resumed: true), resume);
        var running = (await _store.GetAsync("d1", Ct))!.Stages["extract"];
        Assert.Equal(StageState.Running, running.State);
        Assert.Equal(1, running.Attempts);
        Assert.Equal(T0.AddSeconds(1), running.StartedAt);
        Assert.Null(running.NextAttemptAt);
        Assert.Null(running.Error);

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Succeeded, 1), resume.AddSeconds(1));
        var done = (await _store.GetAsync("d1", Ct))!.Stages["extract"];
        Assert.Equal(StageState.Succeeded, done.State);
        Assert.Equal(1, done.Attempts);
    }

    [Fact]
    public async Task Fold_AResumptionAfterTheStageMovedOn_ChangesNothing()
    {
        await _store.RegisterAsync(Document("d1"), Ct);
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Succeeded, 1), T0.AddSeconds(2));

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1, Resumed: true), T0.AddSeconds(3));

        var stage = (await _store.GetAsync("d1", Ct))!.Stages["extract"];
        Assert.Equal(StageState.Succeeded, stage.State);
        Assert.Equal(1, stage.Attempts);
    }

    [Fact]
    public async Task Fold_RetryingThenRunningThenSucceeded_ShowsTheWaitThenClearsIt()
    {
        await _store.RegisterAsync(Document("d1"), Ct);
        var next = T0.AddMinutes(10);

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync("d1", new StageStatusChanged(
            "extract", StageState.Retrying, 1, Error: "the LLM failed: 429 Too Many Requests", NextAttemptAt: next, ErrorType: "transient"), T0.AddSeconds(2));

        var waiting = (await _store.GetAsync("d1", Ct))!;
        var stage = waiting.Stages["extract"];
        Assert.Equal(StageState.Retrying, stage.State);
        Assert.Equal(1, stage.Attempts);
        Assert.Equal(next, stage.NextAttemptAt);
        Assert.Equal("the LLM failed: 429 Too Many Requests", stage.Error);
        Assert.Equal("transient", stage.ErrorType);
        Assert.Equal(T0.AddSeconds(1), stage.StartedAt);
        Assert.Null(stage.FinishedAt);
        Assert.Equal(DocumentState.Processing, waiting.State);
        Assert.Null(waiting.Error);
        Assert.Equal(next, waiting.NextAttemptAt);

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 2), next.AddSeconds(1));
        var running = (await _store.GetAsync("d1", Ct))!;
        Assert.Equal(StageState.Running, running.Stages["extract"].State);
        Assert.Equal(2, running.Stages["extract"].Attempts);
        Assert.Null(running.Stages["extract"].NextAttemptAt);
        Assert.Null(running.Stages["extract"].Error);
        Assert.Null(running.Stages["extract"].ErrorType);
        Assert.Null(running.NextAttemptAt);

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Succeeded, 2), next.AddSeconds(2));
        await ApplyAsync("d1", new StageStatusChanged("chunk", StageState.Running, 1), next.AddSeconds(3));
        await ApplyAsync("d1", new StageStatusChanged("chunk", StageState.Succeeded, 1), next.AddSeconds(4));
        var done = (await _store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.Completed, done.State);
        Assert.Equal(StageState.Succeeded, done.Stages["extract"].State);
        Assert.Equal(2, done.Stages["extract"].Attempts);
        Assert.Null(done.Stages["extract"].NextAttemptAt);
    }

    [Fact]
    public async Task Fold_ARetryReportArrivingAfterALaterSuccess_DoesNotTakeTheStageBack()
    {
        await _store.RegisterAsync(Document("d1"), Ct);
        var lateRetry = Envelope("d1", new StageStatusChanged(
            "extract", StageState.Retrying, 1, Error: "timeout", NextAttemptAt: T0.AddSeconds(12), ErrorType: "transient"), T0.AddSeconds(2));

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 2), T0.AddSeconds(12));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Succeeded, 2), T0.AddSeconds(13));
        await _store.ApplyAsync(lateRetry, Ct);

        var stage = (await _store.GetAsync("d1", Ct))!.Stages["extract"];
        Assert.Equal(StageState.Succeeded, stage.State);
        Assert.Equal(2, stage.Attempts);
        Assert.Null(stage.NextAttemptAt);
        Assert.Null(stage.Error);
    }

    [Fact]
    public async Task Fold_ARetryReportArrivingAfterTheNextAttemptStarted_KeepsTheStageRunning()
    {
        await _store.RegisterAsync(Document("d1"), Ct);

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 2), T0.AddSeconds(12));
        await ApplyAsync("d1", new StageStatusChanged(
            "extract", StageState.Retrying, 1, Error: "timeout", NextAttemptAt: T0.AddSeconds(12), ErrorType: "transient"), T0.AddSeconds(2));

        var status = (await _store.GetAsync("d1", Ct))!;
        Assert.Equal(StageState.Running, status.Stages["extract"].State);
        Assert.Equal(2, status.Stages["extract"].Attempts);
        Assert.Null(status.Stages["extract"].NextAttemptAt);
        Assert.Null(status.NextAttemptAt);

        // The retry report of the running attempt, in order, still applies.
        await ApplyAsync("d1", new StageStatusChanged(
            "extract", StageState.Retrying, 2, Error: "timeout again", NextAttemptAt: T0.AddSeconds(73), ErrorType: "transient"), T0.AddSeconds(13));
        Assert.Equal(T0.AddSeconds(73), (await _store.GetAsync("d1", Ct))!.Stages["extract"].NextAttemptAt);
    }

    [Fact]
    public async Task Fold_AProgressReportOfTheFailedAttempt_DoesNotEndTheWait()
    {
        await _store.RegisterAsync(Document("d1"), Ct);

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Retrying, 1, Error: "503", NextAttemptAt: T0.AddSeconds(60)), T0.AddSeconds(3));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1, Progress: 0.5), T0.AddSeconds(2));

        var stage = (await _store.GetAsync("d1", Ct))!.Stages["extract"];
        Assert.Equal(StageState.Retrying, stage.State);
        Assert.Equal(T0.AddSeconds(60), stage.NextAttemptAt);
        Assert.Null(stage.Progress);
    }

    [Fact]
    public async Task Fold_RetriesThenDeadLettered_EndsTheWait_WithTheErrorType()
    {
        await _store.RegisterAsync(Document("d1"), Ct);

        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Retrying, 1, Error: "503", NextAttemptAt: T0.AddSeconds(11), ErrorType: "transient"), T0.AddSeconds(2));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 2), T0.AddSeconds(11));
        await ApplyAsync("d1", new StageStatusChanged(
            "extract", StageState.DeadLettered, 2, Error: "503 (gave up after 2 attempts)", ErrorType: "transient"), T0.AddSeconds(12));

        var status = (await _store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.DeadLettered, status.State);
        Assert.Equal(StageState.DeadLettered, status.Stages["extract"].State);
        Assert.Equal("transient", status.Stages["extract"].ErrorType);
        Assert.Null(status.Stages["extract"].NextAttemptAt);
        Assert.Null(status.NextAttemptAt);
        Assert.Equal(new DocumentError("extract", "503 (gave up after 2 attempts)"), status.Error);
    }

    [Fact]
    public async Task Fold_OneStageDeadLettered_WhileAnotherStillRetries_IsNotTerminalUntilThatOneEnds()
    {
        await _store.RegisterAsync(Document("d1"), Ct);
        await ApplyAsync("d1", new StageStatusChanged("chunk", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync("d1", new StageStatusChanged("chunk", StageState.Retrying, 1, Error: "busy", NextAttemptAt: T0.AddSeconds(11), ErrorType: "transient"), T0.AddSeconds(2));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(3));
        await ApplyAsync("d1", new StageStatusChanged("extract", StageState.DeadLettered, 1, Error: "not a PDF", ErrorType: "permanent"), T0.AddSeconds(4));

        var waiting = (await _store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.Processing, waiting.State);
        Assert.Null(waiting.Error);
        Assert.Equal(T0.AddSeconds(11), waiting.NextAttemptAt);

        await ApplyAsync("d1", new StageStatusChanged("chunk", StageState.Running, 2), T0.AddSeconds(11));
        await ApplyAsync("d1", new StageStatusChanged("chunk", StageState.Succeeded, 2), T0.AddSeconds(12));

        var ended = (await _store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.DeadLettered, ended.State);
        Assert.Equal(new DocumentError("extract", "not a PDF"), ended.Error);
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

    [Fact]
    public async Task List_PagesNewestFirst_PerTenant()
    {
        for (var i = 0; i < 5; i++)
        {
            await _store.RegisterAsync(Document($"d{i}"), Ct);
        }

        await _store.RegisterAsync(Document("other", tenant: "t2"), Ct);

        var first = await _store.ListAsync("default", 2, null, Ct);
        var second = await _store.ListAsync("default", 2, first.Next, Ct);
        var third = await _store.ListAsync("default", 2, second.Next, Ct);

        Assert.Equal(["d4", "d3", "d2", "d1", "d0"], first.Items.Concat(second.Items).Concat(third.Items).Select(d => d.Document.Id));
        Assert.Null(third.Next);
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

    private Task<bool> ApplyAsync(string documentId, StageStatusChanged change) => _store.ApplyAsync(Envelope(documentId, change), Ct);

    private Task<bool> ApplyAsync(string documentId, StageStatusChanged change, DateTimeOffset at) => _store.ApplyAsync(Envelope(documentId, change, at), Ct);

    private EventEnvelope Envelope(string documentId, StageStatusChanged change, DateTimeOffset? at = null)
    {
        var n = Interlocked.Increment(ref _sequence);
        return EventEnvelope.Create(Topics.DocumentsStatus, "default", documentId, change, $"e{n}", at ?? T0.AddSeconds(n));
    }

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

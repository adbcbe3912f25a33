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

    private Task<bool> ApplyAsync(string documentId, StageStatusChanged change) => _store.ApplyAsync(Envelope(documentId, change), Ct);

    private EventEnvelope Envelope(string documentId, StageStatusChanged change)
    {
        var n = Interlocked.Increment(ref _sequence);
        return EventEnvelope.Create(Topics.DocumentsStatus, "default", documentId, change, $"e{n}", T0.AddSeconds(n));
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

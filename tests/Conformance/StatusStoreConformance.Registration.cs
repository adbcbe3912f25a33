using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>Registration, the fold of status events, and listing.</summary>
public abstract partial class StatusStoreConformance
{
    [Fact]
    public async Task Register_Twice_KeepsTheFirstAndSaysItExisted()
    {
        var store = await OpenStoreAsync();
        var (first, created) = await store.RegisterAsync(Document("d1", name: "first.txt"), Ct);
        var (second, createdAgain) = await store.RegisterAsync(Document("d1", name: "second.txt"), Ct);

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal("first.txt", second.Document.FileName);
        Assert.Equal(DocumentState.Accepted, first.State);
        Assert.All(first.Stages.Values, s => Assert.Equal(StageState.Pending, s.State));
        Assert.Equal(Pipeline, first.Stages.Keys);
    }

    [Fact]
    public async Task Register_KeepsTheRecordAsGiven()
    {
        var store = await OpenStoreAsync();
        var record = new DocumentRecord("d1", "tenant-a", "report.pdf", "application/pdf", "pdf", Source, T0.AddMilliseconds(1234));

        var (registered, _) = await store.RegisterAsync(record, Ct);

        Assert.Equal(record, registered.Document);
        Assert.Equal(record, (await store.GetAsync("d1", Ct))!.Document);
        Assert.Null(await store.GetAsync("nobody", Ct));
    }

    [Fact]
    public async Task Register_OneIdFromManyProcessesAtOnce_CreatesItExactlyOnce()
    {
        var stores = new[] { await OpenStoreAsync(), await OpenStoreAsync() };

        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            Task.Run(() => stores[i % 2].RegisterAsync(Document("d1", name: $"upload-{i}.txt"), Ct), Ct)));

        var winner = Assert.Single(results, r => r.Created);
        Assert.All(results, r => Assert.Equal(winner.Status.Document, r.Status.Document));
        Assert.Equal(1, winner.Status.Document.Revision);
    }

    [Fact]
    public async Task Register_ManyDocumentsAtOnce_LosesNone()
    {
        var stores = new[] { await OpenStoreAsync(), await OpenStoreAsync() };

        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => stores[i % 2].RegisterAsync(Document($"many-{i}"), Ct)));

        Assert.All(results, r => Assert.True(r.Created));
        Assert.Equal(60, results.Select(r => r.Status.Document.Id).Distinct().Count());
        for (var i = 0; i < 60; i += 7)
        {
            Assert.Equal(DocumentState.Accepted, (await stores[0].GetAsync($"many-{i}", Ct))!.State);
        }
    }

    [Fact]
    public async Task Fold_RunningThenSucceeded_ForEveryStage_CompletesWithChunkCount()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1));
        Assert.Equal(DocumentState.Processing, (await store.GetAsync("d1", Ct))!.State);
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Succeeded, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Running, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Succeeded, 1, Facts: new Dictionary<string, long> { ["chunks"] = 7 }));

        var status = (await store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.Completed, status.State);
        Assert.Equal(7, status.Chunks);
        Assert.Equal(1, status.Stages["chunk"].Attempts);
        Assert.NotNull(status.Stages["chunk"].FinishedAt);
    }

    [Fact]
    public async Task Fold_Failure_MarksTheDocumentFailedWithStageAndReason()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Failed, 1, Error: "the PDF is encrypted"));

        var status = (await store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.Failed, status.State);
        Assert.Equal(new DocumentError("extract", "the PDF is encrypted"), status.Error);
        Assert.Equal(StageState.Pending, status.Stages["chunk"].State);
    }

    [Fact]
    public async Task Apply_SameEventTwice_ChangesNothingTheSecondTime()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        var running = Envelope("d1", new StageStatusChanged("extract", StageState.Running, 1));

        Assert.True(await store.ApplyAsync(running, Ct));
        Assert.False(await store.ApplyAsync(running, Ct));

        Assert.Equal(1, (await store.GetAsync("d1", Ct))!.Stages["extract"].Attempts);
    }

    [Fact]
    public async Task Apply_SameEventFromManyProcessesAtOnce_IsFoldedOnce()
    {
        var stores = new[] { await OpenStoreAsync(), await OpenStoreAsync() };
        await stores[0].RegisterAsync(Document("d1"), Ct);
        var running = Envelope("d1", new StageStatusChanged("extract", StageState.Running, 1));

        var applied = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => stores[i % 2].ApplyAsync(running, Ct), Ct)));

        Assert.Equal(1, applied.Count(a => a));
        Assert.Equal(1, (await stores[1].GetAsync("d1", Ct))!.Stages["extract"].Attempts);
    }

    [Fact]
    public async Task Apply_DifferentEventsOfOneDocumentAtOnce_LosesNone()
    {
        var stores = new[] { await OpenStoreAsync(), await OpenStoreAsync() };
        await stores[0].RegisterAsync(Document("d1"), Ct);

        // Every Running report starts an attempt: a fold that read the stage before another's write lost an attempt.
        var envelopes = Enumerable.Range(0, 20).Select(_ => Envelope("d1", new StageStatusChanged("extract", StageState.Running, 1))).ToList();
        var applied = await Task.WhenAll(envelopes.Select((e, i) => Task.Run(() => stores[i % 2].ApplyAsync(e, Ct), Ct)));

        Assert.All(applied, Assert.True);
        Assert.Equal(20, (await stores[0].GetAsync("d1", Ct))!.Stages["extract"].Attempts);
    }

    [Fact]
    public async Task Apply_ForADocumentNeverRegistered_KeepsWhatTheStatusSays()
    {
        var store = await OpenStoreAsync();

        Assert.True(await ApplyAsync(store, "lost", new StageStatusChanged("extract", StageState.Running, 1)));

        var status = (await store.GetAsync("lost", Ct))!;
        Assert.Equal(DocumentState.Processing, status.State);
        Assert.Equal(1, status.Stages["extract"].Attempts);
        Assert.Equal(RevisionState.Current, await store.GetRevisionStateAsync("lost", 1, Ct));
    }

    [Fact]
    public async Task Fold_SecondAttemptAfterFailure_CountsAttemptsAndClearsTheError()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Failed, 1, Error: "boom"));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1, Progress: 0.5));

        var status = (await store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.Processing, status.State);
        Assert.Equal(2, status.Stages["extract"].Attempts);
        Assert.Null(status.Stages["extract"].Error);
        Assert.Equal(0.5, status.Stages["extract"].Progress);
    }

    [Fact]
    public async Task Fold_ACircuitPause_ShowsTheWait_ThenTheSameAttemptRunsOn()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        var resume = T0.AddSeconds(32);

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync(store, "d1", new StageStatusChanged(
            "extract", StageState.Retrying, 1, Error: "calls are paused (circuit open)", NextAttemptAt: resume, ErrorType: "transient"), T0.AddSeconds(2));
        var paused = (await store.GetAsync("d1", Ct))!;
        Assert.Equal(StageState.Retrying, paused.Stages["extract"].State);
        Assert.Equal(resume, paused.NextAttemptAt);

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1, Resumed: true), resume);
        var running = (await store.GetAsync("d1", Ct))!.Stages["extract"];
        Assert.Equal(StageState.Running, running.State);
        Assert.Equal(1, running.Attempts);
        Assert.Equal(T0.AddSeconds(1), running.StartedAt);
        Assert.Null(running.NextAttemptAt);
        Assert.Null(running.Error);

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Succeeded, 1), resume.AddSeconds(1));
        var done = (await store.GetAsync("d1", Ct))!.Stages["extract"];
        Assert.Equal(StageState.Succeeded, done.State);
        Assert.Equal(1, done.Attempts);
    }

    [Fact]
    public async Task Fold_AResumptionAfterTheStageMovedOn_ChangesNothing()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Succeeded, 1), T0.AddSeconds(2));

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1, Resumed: true), T0.AddSeconds(3));

        var stage = (await store.GetAsync("d1", Ct))!.Stages["extract"];
        Assert.Equal(StageState.Succeeded, stage.State);
        Assert.Equal(1, stage.Attempts);
    }

    [Fact]
    public async Task Fold_RetryingThenRunningThenSucceeded_ShowsTheWaitThenClearsIt()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        var next = T0.AddMinutes(10);

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync(store, "d1", new StageStatusChanged(
            "extract", StageState.Retrying, 1, Error: "the LLM failed: 429 Too Many Requests", NextAttemptAt: next, ErrorType: "transient"), T0.AddSeconds(2));

        var waiting = (await store.GetAsync("d1", Ct))!;
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

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 2), next.AddSeconds(1));
        var running = (await store.GetAsync("d1", Ct))!;
        Assert.Equal(StageState.Running, running.Stages["extract"].State);
        Assert.Equal(2, running.Stages["extract"].Attempts);
        Assert.Null(running.Stages["extract"].NextAttemptAt);
        Assert.Null(running.Stages["extract"].Error);
        Assert.Null(running.Stages["extract"].ErrorType);
        Assert.Null(running.NextAttemptAt);

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Succeeded, 2), next.AddSeconds(2));
        await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Running, 1), next.AddSeconds(3));
        await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Succeeded, 1), next.AddSeconds(4));
        var done = (await store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.Completed, done.State);
        Assert.Equal(StageState.Succeeded, done.Stages["extract"].State);
        Assert.Equal(2, done.Stages["extract"].Attempts);
        Assert.Null(done.Stages["extract"].NextAttemptAt);
    }

    [Fact]
    public async Task Fold_ARetryReportArrivingAfterALaterSuccess_DoesNotTakeTheStageBack()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        var lateRetry = Envelope("d1", new StageStatusChanged(
            "extract", StageState.Retrying, 1, Error: "timeout", NextAttemptAt: T0.AddSeconds(12), ErrorType: "transient"), T0.AddSeconds(2));

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 2), T0.AddSeconds(12));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Succeeded, 2), T0.AddSeconds(13));
        await store.ApplyAsync(lateRetry, Ct);

        var stage = (await store.GetAsync("d1", Ct))!.Stages["extract"];
        Assert.Equal(StageState.Succeeded, stage.State);
        Assert.Equal(2, stage.Attempts);
        Assert.Null(stage.NextAttemptAt);
        Assert.Null(stage.Error);
    }

    [Fact]
    public async Task Fold_ARetryReportArrivingAfterTheNextAttemptStarted_KeepsTheStageRunning()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 2), T0.AddSeconds(12));
        await ApplyAsync(store, "d1", new StageStatusChanged(
            "extract", StageState.Retrying, 1, Error: "timeout", NextAttemptAt: T0.AddSeconds(12), ErrorType: "transient"), T0.AddSeconds(2));

        var status = (await store.GetAsync("d1", Ct))!;
        Assert.Equal(StageState.Running, status.Stages["extract"].State);
        Assert.Equal(2, status.Stages["extract"].Attempts);
        Assert.Null(status.Stages["extract"].NextAttemptAt);
        Assert.Null(status.NextAttemptAt);

        // The retry report of the running attempt, in order, still applies.
        await ApplyAsync(store, "d1", new StageStatusChanged(
            "extract", StageState.Retrying, 2, Error: "timeout again", NextAttemptAt: T0.AddSeconds(73), ErrorType: "transient"), T0.AddSeconds(13));
        Assert.Equal(T0.AddSeconds(73), (await store.GetAsync("d1", Ct))!.Stages["extract"].NextAttemptAt);
    }

    [Fact]
    public async Task Fold_AProgressReportOfTheFailedAttempt_DoesNotEndTheWait()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Retrying, 1, Error: "503", NextAttemptAt: T0.AddSeconds(60)), T0.AddSeconds(3));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1, Progress: 0.5), T0.AddSeconds(2));

        var stage = (await store.GetAsync("d1", Ct))!.Stages["extract"];
        Assert.Equal(StageState.Retrying, stage.State);
        Assert.Equal(T0.AddSeconds(60), stage.NextAttemptAt);
        Assert.Null(stage.Progress);
    }

    [Fact]
    public async Task Fold_RetriesThenDeadLettered_EndsTheWait_WithTheErrorType()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);

        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Retrying, 1, Error: "503", NextAttemptAt: T0.AddSeconds(11), ErrorType: "transient"), T0.AddSeconds(2));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 2), T0.AddSeconds(11));
        await ApplyAsync(store, "d1", new StageStatusChanged(
            "extract", StageState.DeadLettered, 2, Error: "503 (gave up after 2 attempts)", ErrorType: "transient"), T0.AddSeconds(12));

        var status = (await store.GetAsync("d1", Ct))!;
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
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Running, 1), T0.AddSeconds(1));
        await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Retrying, 1, Error: "busy", NextAttemptAt: T0.AddSeconds(11), ErrorType: "transient"), T0.AddSeconds(2));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1), T0.AddSeconds(3));
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.DeadLettered, 1, Error: "not a PDF", ErrorType: "permanent"), T0.AddSeconds(4));

        var waiting = (await store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.Processing, waiting.State);
        Assert.Null(waiting.Error);
        Assert.Equal(T0.AddSeconds(11), waiting.NextAttemptAt);

        await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Running, 2), T0.AddSeconds(11));
        await ApplyAsync(store, "d1", new StageStatusChanged("chunk", StageState.Succeeded, 2), T0.AddSeconds(12));

        var ended = (await store.GetAsync("d1", Ct))!;
        Assert.Equal(DocumentState.DeadLettered, ended.State);
        Assert.Equal(new DocumentError("extract", "not a PDF"), ended.Error);
    }

    [Fact]
    public async Task List_PagesNewestFirst_PerTenant_WithoutDeletedDocuments()
    {
        var store = await OpenStoreAsync();
        for (var i = 0; i < 6; i++)
        {
            await store.RegisterAsync(Document($"d{i}"), Ct);
        }

        await store.RegisterAsync(Document("other", tenant: "t2"), Ct);
        await store.DeleteAsync("d5", Ct);

        var first = await store.ListAsync("default", 2, null, Ct);
        var second = await store.ListAsync("default", 2, first.Next, Ct);
        var third = await store.ListAsync("default", 2, second.Next, Ct);

        Assert.Equal(["d4", "d3", "d2", "d1", "d0"], first.Items.Concat(second.Items).Concat(third.Items).Select(d => d.Document.Id));
        Assert.Null(third.Next);
        Assert.Equal(["other"], (await store.ListAsync("t2", 10, null, Ct)).Items.Select(d => d.Document.Id));
        Assert.Empty((await store.ListAsync("nobody", 10, null, Ct)).Items);
    }

    [Fact]
    public async Task List_ShowsEachDocumentsStages()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("d1"), Ct);
        await store.RegisterAsync(Document("d2"), Ct);
        await ApplyAsync(store, "d1", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync(store, "d2", new StageStatusChanged("extract", StageState.Running, 1));
        await ApplyAsync(store, "d2", new StageStatusChanged("extract", StageState.Succeeded, 1));

        var page = await store.ListAsync("default", 10, null, Ct);

        Assert.Equal(["d2", "d1"], page.Items.Select(d => d.Document.Id));
        Assert.Equal(StageState.Succeeded, page.Items[0].Stages["extract"].State);
        Assert.Equal(StageState.Running, page.Items[1].Stages["extract"].State);
        Assert.All(page.Items, d => Assert.Equal(Pipeline, d.Stages.Keys));
        Assert.Equal((await store.GetAsync("d2", Ct))!.Stages, page.Items[0].Stages);
    }
}

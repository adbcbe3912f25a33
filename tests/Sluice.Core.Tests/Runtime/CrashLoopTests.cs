using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using Sluice.Core.Runtime.Internal;
using Sluice.Core.Stages;

namespace Sluice.Core.Tests.Runtime;

/// <summary>
/// A record whose handling kills its process is recognised when it comes back: the runtime notes every start in the
/// attempt journal; a record in flight when a process died runs alone next time, and one that processes died on
/// while it ran alone too often is dead-lettered instead of handled again.
/// </summary>
public class CrashLoopTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARecordThatKilledTwoProcessesWhileAlone_IsDeadLetteredOnTheNextStart_WithoutBeingHandled()
    {
        var journal = new DyingProcessesJournal();
        var record = TestRecords.Of(new { Step = 1 });

        // Two processes started the record alone and died: their starts were never ended.
        var key = new AttemptKey("s", "s.in", 0, 7);
        await journal.BeginAsync(key, Ct);
        await journal.MarkAloneAsync(key, Ct);
        journal.ProcessDied();
        await journal.BeginAsync(key, Ct);
        await journal.MarkAloneAsync(key, Ct);
        journal.ProcessDied();

        var log = new RecordingEventLog();
        var stage = new CountingStage();
        var processor = new RecordProcessor(
            stage, log.CreateProducer(), new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)], AttemptJournal = journal }, TimeProvider.System,
            NullLogger.Instance);

        Assert.True(await processor.ProcessAsync(record, Ct));

        Assert.Equal(0, stage.Calls);
        var dead = Assert.Single(log.Produced, r => r.Topic == Topics.DeadLetter("s"));
        Assert.Equal("permanent", dead.Headers![Headers.ErrorType]);
        Assert.StartsWith("the worker died while handling this document", dead.Headers[Headers.ErrorMessage], StringComparison.Ordinal);
        var status = TestRecords.Statuses(log)[^1];
        Assert.Equal(StageState.DeadLettered, status.State);
        Assert.StartsWith("the worker died while handling this document", status.Error, StringComparison.Ordinal);
        Assert.Empty(journal.Starts); // finished with: forgotten
    }

    [Fact]
    public async Task DeathsOfBystanders_OnlyMakeASuspect_ThatRunsAlone_AndIsHandled()
    {
        // Two processes died with the record in flight beside others (a kill from outside looks the same).
        var journal = new DyingProcessesJournal();
        var key = new AttemptKey("s", "s.in", 0, 7);
        await journal.BeginAsync(key, Ct);
        journal.ProcessDied();
        await journal.BeginAsync(key, Ct);
        journal.ProcessDied();

        var log = new RecordingEventLog();
        var stage = new CountingStage();
        var processor = new RecordProcessor(
            stage, log.CreateProducer(), new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)], AttemptJournal = journal }, TimeProvider.System,
            NullLogger.Instance);

        Assert.True(await processor.ProcessAsync(TestRecords.Of(new { Step = 1 }), Ct));

        Assert.Equal(1, stage.Calls);
        Assert.Equal(1, journal.MarkedAlone);
        Assert.DoesNotContain(log.Produced, r => r.Topic == Topics.DeadLetter("s"));
    }

    [Fact]
    public async Task OneDeath_IsNotEnough_TheRecordIsHandledAgain_AndFinishingItClearsTheJournal()
    {
        var journal = new DyingProcessesJournal();
        await journal.BeginAsync(new AttemptKey("s", "s.in", 0, 7), Ct);
        journal.ProcessDied();

        var log = new RecordingEventLog();
        var stage = new CountingStage();
        var processor = new RecordProcessor(
            stage, log.CreateProducer(), new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)], AttemptJournal = journal }, TimeProvider.System,
            NullLogger.Instance);

        Assert.True(await processor.ProcessAsync(TestRecords.Of(new { Step = 1 }), Ct));
        Assert.True(await processor.ProcessAsync(TestRecords.Of(new { Step = 2 }, offset: 8), Ct));

        Assert.Equal(2, stage.Calls);
        Assert.DoesNotContain(log.Produced, r => r.Topic == Topics.DeadLetter("s"));
        Assert.Empty(journal.Starts);
    }

    [Fact]
    public async Task ARecordHandedBackOnShutdown_DoesNotCountAsADeath()
    {
        var journal = new DyingProcessesJournal();
        var stage = new CountingStage { Hang = true };
        var processor = new RecordProcessor(
            stage, new RecordingEventLog().CreateProducer(), new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)], AttemptJournal = journal },
            TimeProvider.System, NullLogger.Instance);
        using var shutdown = new CancellationTokenSource();

        var processing = processor.ProcessAsync(TestRecords.Of(new { Step = 1 }), shutdown.Token);
        await stage.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Single(journal.Starts);
        await shutdown.CancelAsync();

        Assert.False(await processing);
        Assert.Empty(journal.Starts);
    }

    /// <summary>
    /// The journal's contract in memory: each start is owned by a "process"; <see cref="ProcessDied"/> ends the current
    /// process without ending its starts, as a crash would, and a new one takes over.
    /// </summary>
    private sealed class DyingProcessesJournal : IAttemptJournal
    {
        private int _process;

        public ConcurrentDictionary<AttemptKey, List<(int Owner, bool Alone)>> Starts { get; } = new();

        public int MarkedAlone { get; private set; }

        public void ProcessDied() => _process++;

        public Task<AttemptHistory> BeginAsync(AttemptKey record, CancellationToken cancellationToken = default)
        {
            var owners = Starts.GetOrAdd(record, _ => []);
            var dead = owners.Where(start => start.Owner != _process).ToList();
            owners.Add((_process, false));
            return Task.FromResult(new AttemptHistory(dead.Count, dead.Count(start => start.Alone)));
        }

        public Task MarkAloneAsync(AttemptKey record, CancellationToken cancellationToken = default)
        {
            var owners = Starts[record];
            owners[owners.FindLastIndex(start => start.Owner == _process)] = (_process, true);
            MarkedAlone++;
            return Task.CompletedTask;
        }

        public Task EndAsync(AttemptKey record, CancellationToken cancellationToken = default)
        {
            Starts.TryRemove(record, out _);
            return Task.CompletedTask;
        }
    }

    private sealed class CountingStage : IStage
    {
        public int Calls { get; private set; }

        public bool Hang { get; init; }

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "s";

        public string InputTopic => "s.in";

        public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
        {
            Calls++;
            Started.TrySetResult();
            if (Hang)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            return StageResult.Success();
        }
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sluice.Core.Events;
using Sluice.Core.Runtime;
using Sluice.Core.Runtime.Internal;
using Sluice.Core.Stages;

namespace Sluice.Core.Tests.Runtime;

/// <summary>One hostile document cannot hold a stage forever: past its time limit the record is dead-lettered, whether or not the stage stops.</summary>
public class TimeLimitTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Behaviours => ["ignores its token", "blocks its thread", "honours its token", "calls the cancellation a transient failure"];

    [Theory]
    [MemberData(nameof(Behaviours))]
    public async Task AStagePastItsTimeLimit_IsDeadLetteredWithTheLimitAsReason(string behaviour)
    {
        var time = new FakeTimeProvider(TestRecords.Now);
        var log = new RecordingEventLog();
        using var stage = new StuckStage(behaviour);
        var processor = new RecordProcessor(
            stage, log.CreateProducer(), new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)], TimeLimit = Limit }, time, NullLogger.Instance);

        var processing = processor.ProcessAsync(TestRecords.Of(new { Step = 1 }), Ct);
        await stage.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        time.Advance(Limit - TimeSpan.FromSeconds(1));
        Assert.False(processing.IsCompleted, "the limit has not passed yet");
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await processing.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        var dead = Assert.Single(log.Produced, r => r.Topic == Topics.DeadLetter("s"));
        Assert.Equal("permanent", dead.Headers![Headers.ErrorType]);
        Assert.Equal("1", dead.Headers[Headers.Attempts]);
        Assert.Equal("s took longer than 00:05:00 on this document and was stopped", dead.Headers[Headers.ErrorMessage]);
        Assert.Equal(StageState.DeadLettered, TestRecords.Statuses(log)[^1].State);
        Assert.True(stage.Token.IsCancellationRequested, "the stage's token is cancelled at the limit");

        // The abandoned attempt no longer speaks for the document, even if it goes on reporting progress.
        var produced = log.Produced.Count;
        stage.Release();
        await stage.Finished.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(produced, log.Produced.Count);
    }

    [Fact]
    public async Task AStageWithinItsLimit_IsNotDisturbed()
    {
        var time = new FakeTimeProvider(TestRecords.Now);
        var log = new RecordingEventLog();
        var processor = new RecordProcessor(
            new QuickStage(), log.CreateProducer(), new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)], TimeLimit = Limit }, time, NullLogger.Instance);

        Assert.True(await processor.ProcessAsync(TestRecords.Of(new { Step = 1 }), Ct));
        Assert.Equal([StageState.Running, StageState.Succeeded], TestRecords.Statuses(log).Select(s => s.State));
    }

    private sealed class QuickStage : IStage
    {
        public string Name => "s";

        public string InputTopic => "s.in";

        public Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default) => Task.FromResult(StageResult.Success());
    }

    /// <summary>A stage that runs until released, reacting to its token as <c>behaviour</c> says.</summary>
    private sealed class StuckStage(string behaviour) : IStage, IDisposable
    {
        private readonly ManualResetEventSlim _release = new();

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken Token { get; private set; }

        public string Name => "s";

        public string InputTopic => "s.in";

        public void Release() => _release.Set();

        public void Dispose()
        {
            _release.Set();
            _release.Dispose();
        }

        public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
        {
            Token = cancellationToken;
            Started.SetResult();
            try
            {
                switch (behaviour)
                {
                    case "blocks its thread":
                        _release.Wait(CancellationToken.None); // a CPU-bound parser: never yields, never looks at the token
                        break;
                    case "honours its token":
                        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
                        break;
                    case "calls the cancellation a transient failure":
                        try
                        {
                            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
                        }
                        catch (OperationCanceledException ex)
                        {
                            return StageResult.Transient("TaskCanceledException: " + ex.Message, ex);
                        }

                        break;
                    default:
                        await Task.Run(() => _release.Wait(CancellationToken.None), CancellationToken.None);
                        break;
                }

                await context.ReportProgressAsync(0.9, CancellationToken.None);
                return StageResult.Success();
            }
            finally
            {
                Finished.TrySetResult();
            }
        }
    }
}

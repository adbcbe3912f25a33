using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using Sluice.Core.Stages;

namespace Sluice.Core.Tests.Runtime;

public class StageRunnerTests
{
    [Fact]
    public async Task WhenTheRetryConsumerCannotBeCreated_TheInputConsumerIsDisposed_AndTheStageStopsWithTheError()
    {
        var log = new RecordingEventLog(failConsumerNumber: 2);
        using var runner = new StageRunner(new NothingStage(), log, new StageRunnerOptions
        {
            MaxParallelism = 2,
            RetryDelays = [TimeSpan.FromSeconds(10)],
        });

        await runner.StartAsync(TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<EventLogException>(() => runner.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        Assert.Contains("nothing.retries", error.Message, StringComparison.Ordinal);
        var input = Assert.Single(log.Consumers);
        Assert.Equal("nothing", input.GroupId);
        Assert.True(input.Disposed, "the input topic's consumer must be closed when the retry topics' consumer cannot be created");
    }

    [Fact]
    public async Task WhileUploadsAreBeingAcknowledged_TheStageFetchesNothing_AndResumesRightAfter()
    {
        var log = new RecordingEventLog();
        var foreground = new ForegroundActivity();
        var upload = foreground.Begin();
        using var runner = new StageRunner(new NothingStage(), log, new StageRunnerOptions
        {
            MaxParallelism = 1,
            PollTimeout = TimeSpan.FromMilliseconds(20),
            Foreground = foreground,
            MaxYield = TimeSpan.FromMinutes(10),
        });

        await runner.StartAsync(TestContext.Current.CancellationToken);
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        var consumer = Assert.Single(log.Consumers);
        Assert.Equal(0, consumer.Polls);

        upload.Dispose();
        for (var i = 0; i < 100 && consumer.Polls == 0; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.True(consumer.Polls > 0, "the stage never fetched after the upload was acknowledged");
        await runner.StopAsync(TestContext.Current.CancellationToken);
    }

    private sealed class NothingStage : IStage
    {
        public string Name => "nothing";

        public string InputTopic => "nothing.in";

        public Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default) => Task.FromResult(StageResult.Success());
    }
}

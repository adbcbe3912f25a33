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

    private sealed class NothingStage : IStage
    {
        public string Name => "nothing";

        public string InputTopic => "nothing.in";

        public Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default) => Task.FromResult(StageResult.Success());
    }
}

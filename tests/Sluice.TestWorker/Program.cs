using Microsoft.Extensions.Options;
using Sluice.Core.Runtime;
using Sluice.Core.Stages;
using Sluice.Embedded;

// A stage worker on the embedded log and the embedded attempt journal under the data directory given as the only
// argument. Its stage kills the whole process (Environment.FailFast, as a crash in native parser code would) when it
// handles a record keyed "crash", and publishes every other record to "crashy.out". It runs until it is killed.
if (args.Length != 1)
{
    await Console.Error.WriteLineAsync("usage: sluice-test-worker <data directory>");
    return 2;
}

var directory = args[0];
var log = new SqliteEventLog(Options.Create(new SqliteEventLogOptions
{
    Path = Path.Combine(directory, "log.db"),
    DefaultPartitions = 1,
    SessionTimeout = TimeSpan.FromSeconds(1),
}));
using var journal = new SqliteAttemptJournal(Options.Create(new SqliteStoreOptions { AttemptsPath = Path.Combine(directory, "attempts.db") }));
using var runner = new StageRunner(new CrashyStage(), log, new StageRunnerOptions
{
    MaxParallelism = 1,
    RetryDelays = [TimeSpan.FromSeconds(1)],
    CommitInterval = TimeSpan.FromMilliseconds(100),
    AttemptJournal = journal,
});
await runner.StartAsync(CancellationToken.None);
await Console.Out.WriteLineAsync("started");
await Task.Delay(Timeout.Infinite);
return 0;

/// <summary>Dies on the record keyed "crash"; passes every other one on.</summary>
internal sealed class CrashyStage : IStage
{
    public string Name => "crashy";

    public string InputTopic => "crashy.in";

    public Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
    {
        if (context.Input.DocumentId == "crash")
        {
            Environment.FailFast("sluice-test-worker: this record kills whoever handles it");
        }

        return Task.FromResult(StageResult.Success(context.Output("crashy.out", Name, 0, new { Done = context.Input.DocumentId }, DateTimeOffset.UtcNow)));
    }
}

using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using Sluice.Core.Stages;
using static Sluice.Kafka.Tests.KafkaTestSupport;

namespace Sluice.Kafka.Tests;

/// <summary>The stage runtime on Kafka: work slower than the client's poll deadline must not cost the member its partitions.</summary>
public sealed class KafkaStageRunnerTests(MockClusterFixture fixture) : IClassFixture<MockClusterFixture>
{
    [Fact]
    public async Task SlowWork_LongerThanMaxPollInterval_NeitherRebalancesNorRedelivers()
    {
        var prefix = $"slow-{Guid.NewGuid():N}.";
        var options = fixture.Options(prefix);
        options.SessionTimeout = TimeSpan.FromSeconds(6);
        options.MaxPollInterval = TimeSpan.FromSeconds(7);
        var stage = new SlowStage(TimeSpan.FromSeconds(10));
        fixture.CreateTopic(prefix + stage.InputTopic, partitions: 1);
        fixture.CreateTopic(prefix + Topics.DocumentsStatus, partitions: 1);
        await using var kafka = new KafkaEventLog(options);
        var log = new ObservedLog(kafka);
        await using (var producer = kafka.CreateProducer())
        {
            var input = EventEnvelope.Create(stage.InputTopic, "tenant", "doc-1", new { Step = 1 }, "event-1", DateTimeOffset.UtcNow);
            await producer.ProduceAsync([EventRecords.ToRecord(stage.InputTopic, input)], Ct);
        }

        var runner = new StageRunner(stage, log, new StageRunnerOptions
        {
            MaxParallelism = 1,
            CommitInterval = TimeSpan.FromMilliseconds(500),
            DrainTimeout = TimeSpan.FromSeconds(2),
        });
        await runner.StartAsync(Ct);
        await stage.Finished.WaitAsync(Patience, Ct);
        await Task.Delay(TimeSpan.FromSeconds(3), Ct); // a commit interval, and time for a redelivery to show up
        var (assignments, revocations) = (log.Assignments, log.Revocations);
        await runner.StopAsync(Ct);
        runner.Dispose();

        Assert.Equal(1, stage.Calls);
        Assert.Equal(1, assignments);
        Assert.Equal(0, revocations);
        Assert.True(log.Revocations > 0, "Leaving the group on stop revokes the partition: the counter must see revocations at all.");

        // The offset was committed: the next member of the stage's group has nothing left to read.
        await using var next = kafka.CreateConsumer(new ConsumerSettings(stage.Name, [stage.InputTopic]));
        var deadline = DateTime.UtcNow + Patience;
        var redelivered = new List<ConsumedRecord>();
        while (next.Assignment.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The next member never got the partition.");
            redelivered.AddRange(await next.PollAsync(10, TimeSpan.FromMilliseconds(200), Ct));
        }

        var quiet = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        while (DateTime.UtcNow < quiet)
        {
            redelivered.AddRange(await next.PollAsync(10, TimeSpan.FromMilliseconds(200), Ct));
        }

        Assert.Empty(redelivered);
    }

    private sealed class SlowStage(TimeSpan work) : IStage
    {
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public string Name => "slow";

        public string InputTopic => "slow.in";

        public int Calls => Volatile.Read(ref _calls);

        public Task Finished => _finished.Task;

        public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            await Task.Delay(work, cancellationToken);
            _finished.TrySetResult();
            return StageResult.Success();
        }
    }

    /// <summary>Counts the rebalance callbacks of the consumers the runner creates.</summary>
    private sealed class ObservedLog(IEventLog inner) : IEventLog
    {
        private int _assignments;
        private int _revocations;

        public int Assignments => Volatile.Read(ref _assignments);

        public int Revocations => Volatile.Read(ref _revocations);

        public Task EnsureTopicsAsync(IReadOnlyCollection<TopicSpec> topics, CancellationToken cancellationToken = default) =>
            inner.EnsureTopicsAsync(topics, cancellationToken);

        public IEventProducer CreateProducer() => inner.CreateProducer();

        public Task<IReadOnlyList<PartitionLag>> GetLagAsync(string groupId, IReadOnlyCollection<string> topics, CancellationToken cancellationToken = default)
            => inner.GetLagAsync(groupId, topics, cancellationToken);

        public IEventConsumer CreateConsumer(ConsumerSettings settings) => inner.CreateConsumer(settings with
        {
            OnAssigned = partitions =>
            {
                Interlocked.Increment(ref _assignments);
                settings.OnAssigned?.Invoke(partitions);
            },
            OnRevoking = partitions =>
            {
                Interlocked.Increment(ref _revocations);
                return settings.OnRevoking?.Invoke(partitions) ?? [];
            },
        });
    }
}

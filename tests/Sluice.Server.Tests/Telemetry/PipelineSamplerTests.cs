using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Embedded;
using Sluice.Server.Hosting;
using Sluice.Server.Telemetry;

namespace Sluice.Server.Tests.Telemetry;

/// <summary>The sampler against a real embedded log and stores, on a clock the test moves.</summary>
public sealed class PipelineSamplerTests : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-tests", Guid.NewGuid().ToString("N"));
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 5, 18, 0, 0, TimeSpan.Zero));
    private readonly SqliteEventLog _log;
    private readonly SqliteStatusStore _statuses;
    private readonly SqliteDeadLetterStore _deadLetters;
    private readonly PipelineSampler _sampler;

    public PipelineSamplerTests()
    {
        var stores = Options.Create(new SqliteStoreOptions
        {
            StatusPath = Path.Combine(_directory, "status.db"),
            DeadLettersPath = Path.Combine(_directory, "dead-letters.db"),
            PipelineStages = [.. StageCatalog.PipelineNames],
        });
        _log = new SqliteEventLog(Options.Create(new SqliteEventLogOptions { Path = Path.Combine(_directory, "events.db") }), timeProvider: _clock);
        _statuses = new SqliteStatusStore(stores);
        _deadLetters = new SqliteDeadLetterStore(stores);
        _sampler = new PipelineSampler(
            _log, _statuses, _deadLetters, Options.Create(new SluiceOptions { RetryDelays = "10s,1m" }), Options.Create(new LagOptions()),
            _clock, NullLogger<PipelineSampler>.Instance);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Throughput_IsWhatTheGroupGotPastPerSecond_BetweenTwoSamples_AndRetriesWaitPerTier()
    {
        await _log.EnsureTopicsAsync(TopicProvisioner.Specs(1, retryDelays: [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)]), Ct);
        await using var producer = _log.CreateProducer();
        await producer.ProduceAsync([.. Enumerable.Range(0, 10).Select(i => Record(StageCatalog.Chunk.InputTopic, $"d{i}"))], Ct);
        await producer.ProduceAsync([Record(Topics.Retry(StageNames.Chunk, TimeSpan.FromMinutes(1)), "d0")], Ct);

        var first = await _sampler.SampleAsync(Ct);
        var chunk = first.Find(StageNames.Chunk)!;
        Assert.Equal((10L, (double?)null), (chunk.Lag, chunk.ThroughputPerSecond));
        Assert.Equal(new Dictionary<string, long> { ["10s"] = 0, ["1m"] = 1 }, chunk.RetryWaiting);
        Assert.Equal(0, chunk.DeadLetters);
        Assert.Equal(StageCatalog.Names, first.Stages.Select(s => s.Stage.Name));
        Assert.Null(first.Find(StageNames.StatusProjection)!.RetryWaiting);

        await using (var consumer = _log.CreateConsumer(new ConsumerSettings(StageNames.Chunk, [StageCatalog.Chunk.InputTopic])))
        {
            var read = new List<ConsumedRecord>();
            while (read.Count < 6)
            {
                read.AddRange(await consumer.PollAsync(6 - read.Count, TimeSpan.FromSeconds(1), Ct));
            }

            await consumer.CommitAsync([new TopicPartitionOffset(StageCatalog.Chunk.InputTopic, 0, 6)], Ct);
        }

        _clock.Advance(TimeSpan.FromSeconds(2));
        var second = await _sampler.SampleAsync(Ct);

        Assert.Equal((4L, 3.0), (second.Find(StageNames.Chunk)!.Lag, second.Find(StageNames.Chunk)!.ThroughputPerSecond));
        Assert.Equal(0.0, second.Find(StageNames.Embed)!.ThroughputPerSecond);
        Assert.Same(second, _sampler.Latest);
        Assert.Equal(2.0, second.Find(StageNames.Chunk)!.OldestAgeSeconds(_clock.GetUtcNow())); // the records were written at the start
    }

    public async ValueTask DisposeAsync()
    {
        _sampler.Dispose();
        await _log.DisposeAsync();
        _statuses.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static OutgoingRecord Record(string topic, string key) => new(topic, key, Encoding.UTF8.GetBytes("{}"));
}

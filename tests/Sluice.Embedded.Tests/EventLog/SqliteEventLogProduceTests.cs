using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using Sluice.Core.Ports;
using static Sluice.Embedded.Tests.EventLog.Polling;

namespace Sluice.Embedded.Tests.EventLog;

public sealed class SqliteEventLogProduceTests : IDisposable
{
    private readonly TempLogFile _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task ConcurrentProduces_AreGroupCommitted_WithDenseOffsetsAndPerKeyOrder()
    {
        await using var log = _file.Open();
        await log.EnsureTopicsAsync([new TopicSpec("load", 6)], Ct);
        var producer = log.CreateProducer();
        await producer.ProduceAsync([Record("load", "warm-up", "warm-up")], Ct);
        var batchesBefore = log.CommittedProduceBatches;

        // 1,000 concurrent single-record calls, plus 20 keys each produced in sequence (one call after the other).
        var stopwatch = Stopwatch.StartNew();
        var singles = Enumerable.Range(0, 1000).Select(i => producer.ProduceAsync([Record("load", $"single-{i}", $"single-{i}")], Ct)).ToList();
        await Task.WhenAll(singles);
        stopwatch.Stop();
        var batches = log.CommittedProduceBatches - batchesBefore;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"1000 concurrent single-record produces: {stopwatch.Elapsed.TotalMilliseconds:F0} ms in {batches} transactions");
        Assert.True(batches < 500, $"1000 concurrent produces took {batches} transactions; group commit should share them");

        var sequences = Enumerable.Range(0, 20).Select(async k =>
        {
            for (var i = 0; i < 25; i++)
            {
                await producer.ProduceAsync([Record("load", $"key-{k}", $"key-{k}:{i}")], Ct);
            }
        });
        await Task.WhenAll(sequences);

        await using var consumer = log.CreateConsumer(new ConsumerSettings("check", ["load"]));
        var records = await ConsumeAsync(consumer, 1 + 1000 + 500);
        Assert.Equal(1501, records.Count);
        foreach (var partition in records.GroupBy(r => r.Partition))
        {
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(r => r.Offset));
        }

        foreach (var key in records.Where(r => r.Key.StartsWith("key-", StringComparison.Ordinal)).GroupBy(r => r.Key))
        {
            Assert.Equal(Enumerable.Range(0, 25).Select(i => $"{key.Key}:{i}"), key.Select(Text));
        }

        Assert.Equal(
            singles.Select(s => s.Result[0]).OrderBy(p => p.Partition).ThenBy(p => p.Offset),
            records.Where(r => r.Key.StartsWith("single-", StringComparison.Ordinal))
                .Select(r => new TopicPartitionOffset(r.Topic, r.Partition, r.Offset)));
    }

    [Fact]
    public async Task Produce_ToAnUnknownTopic_CreatesItWithTheDefaultPartitionCount()
    {
        await using var log = _file.Open(o => o.DefaultPartitions = 3);

        var positions = await log.CreateProducer().ProduceAsync(
            Enumerable.Range(0, 60).Select(i => Record("fresh", $"k{i}", "v")).ToList(), Ct);

        Assert.Equal([0, 1, 2], positions.Select(p => p.Partition).Distinct().Order());
    }

    [Fact]
    public async Task Produce_ToAnUnknownTopic_FailsPermanently_WhenAutoCreateIsOff()
    {
        await using var log = _file.Open(o => o.AutoCreateTopics = false);
        await log.EnsureTopicsAsync([new TopicSpec("known", 1)], Ct);
        var producer = log.CreateProducer();

        var error = await Assert.ThrowsAsync<EventLogException>(() => producer.ProduceAsync([Record("unknown", "k", "v")], Ct));
        Assert.False(error.IsTransient);
        Assert.Equal(0, (await producer.ProduceAsync([Record("known", "k", "v")], Ct))[0].Offset);
    }

    [Fact]
    public async Task ACallThatFails_DoesNotFailTheOtherCallsOfItsBatch()
    {
        await using var log = _file.Open(o => o.AutoCreateTopics = false);
        await log.EnsureTopicsAsync([new TopicSpec("known", 2)], Ct);
        var producer = log.CreateProducer();

        var calls = Enumerable.Range(0, 200)
            .Select(i => producer.ProduceAsync([Record(i % 10 == 0 ? "unknown" : "known", $"k{i}", "v")], Ct))
            .ToList();
        await Task.WhenAll(calls).ContinueWith(_ => { }, Ct, TaskContinuationOptions.None, TaskScheduler.Default);

        Assert.Equal(20, calls.Count(c => c.IsFaulted));
        Assert.Equal(180, calls.Count(c => c.IsCompletedSuccessfully));
    }

    [Fact]
    public void Options_AreValidated()
    {
        Assert.Throws<ValidationException>(() => _file.Open(o => o.Path = string.Empty));
        Assert.Throws<ValidationException>(() => _file.Open(o => o.DefaultPartitions = 0));
        Assert.Throws<ValidationException>(() => _file.Open(o => o.MaxRecordBytes = 0));
        Assert.Throws<ValidationException>(() => _file.Open(o => o.SessionTimeout = TimeSpan.Zero));
    }
}

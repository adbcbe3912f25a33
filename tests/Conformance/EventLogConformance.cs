using Sluice.Core.Ports;

namespace Sluice.Conformance;

public abstract partial class EventLogConformance
{
    [Fact]
    public async Task Produce_AssignsDenseOffsetsFromZero_PerPartition_InCallOrder()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 3);
        var producer = Producer(log);

        var positions = new List<TopicPartitionOffset>();
        positions.AddRange(await ProduceAsync(producer, topic, Enumerable.Range(0, 30).Select(i => $"a{i}")));
        for (var i = 0; i < 10; i++)
        {
            positions.AddRange(await ProduceAsync(producer, topic, [$"b{i}", $"c{i}"]));
        }

        Assert.Equal(50, positions.Count);
        Assert.All(positions, p => Assert.Equal(topic, p.Topic));
        foreach (var partition in positions.GroupBy(p => p.Partition))
        {
            Assert.InRange(partition.Key, 0, 2);
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(p => p.Offset));
        }
    }

    [Fact]
    public async Task Produce_RecordsOfOneKey_LandOnOnePartition_FromEveryProducer()
    {
        var log = await OpenLogAsync();
        var other = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 4);
        var producers = new[] { Producer(log), Producer(other) };

        var partitionsByKey = new Dictionary<string, HashSet<int>>();
        for (var round = 0; round < 6; round++)
        {
            var keys = Enumerable.Range(0, 8).Select(k => $"document-{k}").ToList();
            var positions = await producers[round % 2].ProduceAsync(keys.Select(k => Record(topic, k, $"{k}/{round}")).ToList(), Ct);
            for (var i = 0; i < keys.Count; i++)
            {
                (partitionsByKey.TryGetValue(keys[i], out var set) ? set : partitionsByKey[keys[i]] = []).Add(positions[i].Partition);
            }
        }

        Assert.All(partitionsByKey, entry => Assert.Single(entry.Value));
        Assert.True(partitionsByKey.Values.Select(s => s.Single()).Distinct().Count() > 1, "eight keys should not all hash to one of four partitions");
    }

    [Fact]
    public async Task Poll_DeliversTheRecordsOfOneKey_InProduceOrder()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 3);
        var producer = Producer(log);
        for (var i = 0; i < 20; i++)
        {
            await producer.ProduceAsync(Enumerable.Range(0, 5).Select(k => Record(topic, $"key-{k}", $"key-{k}:{i}")).ToList(), Ct);
        }

        var consumer = Consumer(log, UniqueName("group"), topic);
        var records = await ConsumeAsync(consumer, 100, maxRecords: 7);

        Assert.Equal(100, records.Count);
        foreach (var key in records.GroupBy(r => r.Key))
        {
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"{key.Key}:{i}"), key.Select(Text));
            Assert.Single(key.Select(r => r.Partition).Distinct());
        }
    }

    [Fact]
    public async Task Group_TwoMembers_SplitThePartitions_AndTogetherSeeEveryRecordExactlyOnce()
    {
        var first = await OpenLogAsync();
        var second = await OpenLogAsync();
        var topic = await CreateTopicAsync(first, 4);
        var group = UniqueName("group");
        var a = Consumer(first, group, topic);
        var b = Consumer(second, group, topic);
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [a] = [], [b] = [] };
        await PollUntilAsync(seen, () => Settled(4, a, b), "both members own partitions");

        var values = Enumerable.Range(0, 200).Select(i => $"record-{i}").ToList();
        await ProduceAsync(Producer(first), topic, values);
        await PollUntilAsync(seen, () => seen[a].Count + seen[b].Count >= 200, "all records arrived");
        var late = await DrainAsync(a, b);

        var all = seen[a].Concat(seen[b]).Concat(late).ToList();
        Assert.Equal(values.Order(), all.Select(Text).Order());
        Assert.Equal(all.Count, all.Select(r => (r.Partition, r.Offset)).Distinct().Count());
        Assert.NotEmpty(seen[a]);
        Assert.NotEmpty(seen[b]);
        Assert.All(seen[a], r => Assert.Contains(r.TopicPartition, a.Assignment));
        Assert.All(seen[b], r => Assert.Contains(r.TopicPartition, b.Assignment));
    }

    [Fact]
    public async Task Group_WhenAMemberLeaves_TheOtherTakesOverFromItsCommittedOffsets()
    {
        var first = await OpenLogAsync();
        var second = await OpenLogAsync();
        var topic = await CreateTopicAsync(first, 2);
        var group = UniqueName("group");
        var a = Consumer(first, group, topic);
        var b = Consumer(second, group, topic);
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [a] = [], [b] = [] };
        await PollUntilAsync(seen, () => Settled(2, a, b), "both members own a partition");

        var producer = Producer(first);
        await ProduceAsync(producer, topic, Enumerable.Range(0, 40).Select(i => $"before-{i}"));
        await PollUntilAsync(seen, () => seen[a].Count + seen[b].Count >= 40, "the first records arrived");
        await a.CommitAsync(NextOffsets(seen[a]), Ct);
        await b.CommitAsync(NextOffsets(seen[b]), Ct);
        var leaving = b.Assignment.Single();
        await CloseAsync(b);

        var afterLeave = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [a] = [] };
        await PollUntilAsync(afterLeave, () => a.Assignment.Contains(leaving), "the remaining member took over the partition");
        var after = Enumerable.Range(0, 40).Select(i => $"after-{i}").ToList();
        await ProduceAsync(producer, topic, after);
        await PollUntilAsync(afterLeave, () => afterLeave[a].Count(r => Text(r).StartsWith("after-", StringComparison.Ordinal)) >= 40, "the later records arrived");
        afterLeave[a].AddRange(await DrainAsync(a));

        Assert.Equal(after.Order(), afterLeave[a].Select(Text).Order());
    }

    [Fact]
    public async Task Poll_ANewMember_ResumesFromTheCommittedOffset()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 1);
        var group = UniqueName("group");
        await ProduceAsync(Producer(log), topic, Enumerable.Range(0, 10).Select(i => $"v{i}"), _ => "one-key");

        var first = Consumer(log, group, topic);
        var read = await ConsumeAsync(first, 4, maxRecords: 4);
        await first.CommitAsync([new TopicPartitionOffset(topic, 0, read[3].Offset + 1)], Ct);
        await CloseAsync(first);

        var second = Consumer(log, group, topic);
        var resumed = await ConsumeAsync(second, 6);
        resumed.AddRange(await DrainAsync(second));

        Assert.Equal(Enumerable.Range(4, 6).Select(i => $"v{i}"), resumed.Select(Text));
        Assert.Equal(Enumerable.Range(4, 6).Select(i => (long)i), resumed.Select(r => r.Offset));
    }

    [Fact]
    public async Task Poll_RedeliversUncommittedRecords_AfterAMemberClosesWithoutCommitting()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 2);
        var group = UniqueName("group");
        var values = Enumerable.Range(0, 10).Select(i => $"v{i}").ToList();
        await ProduceAsync(Producer(log), topic, values);

        var first = Consumer(log, group, topic);
        Assert.Equal(values.Order(), (await ConsumeAsync(first, 10)).Select(Text).Order());
        await CloseAsync(first);

        var second = Consumer(log, group, topic);
        var again = await ConsumeAsync(second, 10);
        Assert.Equal(values.Order(), again.Select(Text).Order());
    }

    [Fact]
    public async Task Poll_ReturnsAtMostMaxRecords()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 3);
        await ProduceAsync(Producer(log), topic, Enumerable.Range(0, 50).Select(i => $"v{i}"));
        var consumer = Consumer(log, UniqueName("group"), topic);

        var batches = new List<IReadOnlyList<ConsumedRecord>>();
        var deadline = DateTime.UtcNow + Patience;
        while (batches.Sum(b => b.Count) < 50 && DateTime.UtcNow < deadline)
        {
            batches.Add(await consumer.PollAsync(7, ShortPoll, Ct));
        }

        Assert.All(batches, batch => Assert.InRange(batch.Count, 0, 7));
        Assert.Equal(50, batches.SelectMany(b => b).Select(r => (r.Partition, r.Offset)).Distinct().Count());
    }

    [Fact]
    public async Task Records_RoundTripKeysValuesAndHeaders()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 2);
        var value = new byte[] { 0, 1, 2, 255, 0, 128, 10, 13 };
        var headers = new Dictionary<string, string>
        {
            ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ["empty"] = string.Empty,
            ["ünïcödé"] = "✓ ok",
        };
        var before = DateTimeOffset.UtcNow;
        var positions = await Producer(log).ProduceAsync(
            [new OutgoingRecord(topic, "clé/✓", value, headers), new OutgoingRecord(topic, string.Empty, ReadOnlyMemory<byte>.Empty)], Ct);

        var records = await ConsumeAsync(Consumer(log, UniqueName("group"), topic), 2);

        var full = Assert.Single(records, r => r.Key == "clé/✓");
        Assert.Equal(value, full.Value.ToArray());
        Assert.Equal(headers.OrderBy(h => h.Key, StringComparer.Ordinal), full.Headers.OrderBy(h => h.Key, StringComparer.Ordinal));
        Assert.Equal(positions[0], new TopicPartitionOffset(full.Topic, full.Partition, full.Offset));
        Assert.InRange(full.Timestamp, before.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));

        var bare = Assert.Single(records, r => r.Key.Length == 0);
        Assert.True(bare.Value.IsEmpty);
        Assert.Empty(bare.Headers);
        Assert.Equal(positions[1], new TopicPartitionOffset(bare.Topic, bare.Partition, bare.Offset));
    }

    [Fact]
    public async Task Produce_ARecordOverTheSizeLimit_IsRejected_AndNothingOfTheCallIsWritten()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 1);
        var producer = Producer(log);

        var error = await Assert.ThrowsAnyAsync<EventLogException>(() => producer.ProduceAsync(
            [Record(topic, "k", "small-before"), new OutgoingRecord(topic, "k", new byte[MaxRecordBytes * 2]), Record(topic, "k", "small-after")],
            Ct));
        Assert.False(error.IsTransient);

        await ProduceAsync(producer, topic, ["sentinel"]);
        var records = await ConsumeAsync(Consumer(log, UniqueName("group"), topic), 1);
        records.AddRange(await DrainAsync());
        Assert.Equal(["sentinel"], records.Select(Text));
    }

    [Fact]
    public async Task Pause_StopsDelivery_AndResume_ContinuesFromTheSamePosition()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 1);
        var producer = Producer(log);
        await ProduceAsync(producer, topic, Enumerable.Range(0, 5).Select(i => $"v{i}"), _ => "k");
        var consumer = Consumer(log, UniqueName("group"), topic);
        Assert.Equal(5, (await ConsumeAsync(consumer, 5)).Count);

        var partition = new TopicPartition(topic, 0);
        consumer.Pause([partition]);
        await ProduceAsync(producer, topic, Enumerable.Range(5, 5).Select(i => $"v{i}"), _ => "k");
        Assert.Empty(await DrainAsync(consumer));
        Assert.Contains(partition, consumer.Assignment);

        consumer.Resume([partition]);
        var resumed = await ConsumeAsync(consumer, 5);
        resumed.AddRange(await DrainAsync(consumer));
        Assert.Equal(Enumerable.Range(5, 5).Select(i => (long)i), resumed.Select(r => r.Offset));
    }

    [Fact]
    public async Task Pause_DoesNotOutliveTheAssignment_APartitionThatComesBackIsDelivered()
    {
        // A paused partition that moves to another member and comes back later starts unpaused, as a newly
        // assigned partition always does: its old owner's pause must not leave it stuck forever.
        var first = await OpenLogAsync();
        var second = await OpenLogAsync();
        var topic = await CreateTopicAsync(first, 2);
        var group = UniqueName("group");
        var a = Consumer(first, group, topic);
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [a] = [] };
        await PollUntilAsync(seen, () => Settled(2, a), "the first member owns both partitions");
        a.Pause(a.Assignment);

        var b = Consumer(second, group, topic);
        seen[b] = [];
        await PollUntilAsync(seen, () => Settled(2, a, b), "the partitions are split between the members");
        var moved = b.Assignment.Single();
        await CloseAsync(b);
        seen.Remove(b);
        await PollUntilAsync(seen, () => a.Assignment.Contains(moved), "the partition came back to the first member");

        var producer = Producer(first);
        var values = Enumerable.Range(0, 20).Select(i => $"v{i}").ToList();
        await ProduceAsync(producer, topic, values);
        await PollUntilAsync(seen, () => seen[a].Any(r => r.Partition == moved.Partition), "records of the returned partition arrived");
        Assert.All(seen[a], r => Assert.Equal(moved.Partition, r.Partition)); // the partition that stayed is still paused
    }

    [Fact]
    public async Task TwoGroups_ReadTheSameTopicIndependently()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 2);
        var values = Enumerable.Range(0, 20).Select(i => $"v{i}").ToList();
        await ProduceAsync(Producer(log), topic, values);

        var first = Consumer(log, UniqueName("group"), topic);
        var firstRecords = await ConsumeAsync(first, 20);
        await first.CommitAsync(NextOffsets(firstRecords), Ct);
        var second = Consumer(log, UniqueName("group"), topic);
        var secondRecords = await ConsumeAsync(second, 20);

        Assert.Equal(values.Order(), firstRecords.Select(Text).Order());
        Assert.Equal(values.Order(), secondRecords.Select(Text).Order());
    }

    [Fact]
    public async Task Rebalance_CommitsTheOffsetsReturnedByOnRevoking()
    {
        Assert.SkipUnless(
            TakesCommitsWhileAMemberJoins,
            "This backend may refuse the revoking member's commit while the new member joins again (see TakesCommitsWhileAMemberJoins); "
            + "Leave_CommitsTheOffsetsReturnedByOnRevoking covers the commit of what OnRevoking returns.");
        var first = await OpenLogAsync();
        var second = await OpenLogAsync();
        var topic = await CreateTopicAsync(first, 2);
        var group = UniqueName("group");
        var positions = new Dictionary<TopicPartition, long>();
        var revoked = new List<TopicPartition>();
        var a = Consumer(first, new ConsumerSettings(group, [topic])
        {
            OnRevoking = partitions =>
            {
                revoked.AddRange(partitions);
                return partitions.Where(positions.ContainsKey).Select(p => new TopicPartitionOffset(p.Topic, p.Partition, positions[p])).ToList();
            },
        });
        var producer = Producer(first);
        await ProduceAsync(producer, topic, Enumerable.Range(0, 40).Select(i => $"before-{i}"));
        foreach (var record in await ConsumeAsync(a, 40))
        {
            positions[record.TopicPartition] = Math.Max(positions.GetValueOrDefault(record.TopicPartition), record.Offset + 1);
        }

        Assert.Equal(2, a.Assignment.Count);
        var b = Consumer(second, group, topic);
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [a] = [], [b] = [] };
        await PollUntilAsync(seen, () => Settled(2, a, b), "the second member got a partition");
        Assert.Contains(b.Assignment.Single(), revoked);

        var after = Enumerable.Range(0, 40).Select(i => $"after-{i}").ToList();
        await ProduceAsync(producer, topic, after);
        await PollUntilAsync(seen, () => seen[a].Count + seen[b].Count >= 40, "the later records arrived");
        var late = await DrainAsync(a, b);

        Assert.Equal(after.Order(), seen[a].Concat(seen[b]).Concat(late).Select(Text).Order());
    }

    [Fact]
    public async Task Leave_CommitsTheOffsetsReturnedByOnRevoking()
    {
        var first = await OpenLogAsync();
        var second = await OpenLogAsync();
        var topic = await CreateTopicAsync(first, 2);
        var group = UniqueName("group");
        var positions = new Dictionary<TopicPartition, long>();
        var a = Consumer(first, new ConsumerSettings(group, [topic])
        {
            OnRevoking = partitions => partitions.Where(positions.ContainsKey).Select(p => new TopicPartitionOffset(p.Topic, p.Partition, positions[p])).ToList(),
        });
        var b = Consumer(second, group, topic);
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [a] = [], [b] = [] };
        await PollUntilAsync(seen, () => Settled(2, a, b), "both members own a partition");
        var leaving = a.Assignment.Single();

        var producer = Producer(first);
        await ProduceAsync(producer, topic, Enumerable.Range(0, 40).Select(i => $"before-{i}"));
        await PollUntilAsync(seen, () => seen[a].Count + seen[b].Count >= 40, "the first records arrived");
        foreach (var record in seen[a])
        {
            positions[record.TopicPartition] = Math.Max(positions.GetValueOrDefault(record.TopicPartition), record.Offset + 1);
        }

        await b.CommitAsync(NextOffsets(seen[b]), Ct);
        await CloseAsync(a); // a commits nothing itself: only what its OnRevoking returns on leaving

        var afterLeave = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [b] = [] };
        await PollUntilAsync(afterLeave, () => b.Assignment.Contains(leaving), "the remaining member took over the partition");
        var after = Enumerable.Range(0, 40).Select(i => $"after-{i}").ToList();
        await ProduceAsync(producer, topic, after);
        await PollUntilAsync(afterLeave, () => afterLeave[b].Count(r => Text(r).StartsWith("after-", StringComparison.Ordinal)) >= 40, "the later records arrived");
        afterLeave[b].AddRange(await DrainAsync(b));

        Assert.Contains(leaving, positions.Keys);
        Assert.Equal(after.Order(), afterLeave[b].Select(Text).Order());
    }

    [Fact]
    public async Task Commit_IgnoresPartitionsTheMemberDoesNotOwn()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 1);
        var group = UniqueName("group");
        await ProduceAsync(Producer(log), topic, Enumerable.Range(0, 10).Select(i => $"v{i}"), _ => "k");
        var a = Consumer(log, group, topic);
        var b = Consumer(log, group, topic);
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [a] = [], [b] = [] };
        await PollUntilAsync(seen, () => a.Assignment.Count + b.Assignment.Count == 1 && (a.Assignment.Count == 1) != (b.Assignment.Count == 1), "one member owns the partition");

        var (owner, idle) = a.Assignment.Count == 1 ? (a, b) : (b, a);
        await idle.CommitAsync([new TopicPartitionOffset(topic, 0, 5)], Ct);
        await CloseAsync(owner);

        var records = await ConsumeAsync(idle, 10);
        Assert.Equal(0, records[0].Offset);
    }

    [Fact]
    public async Task OnAssigned_ReportsThePartitionsOfTheAssignment()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 3);
        var assigned = new List<TopicPartition>();
        var consumer = Consumer(log, new ConsumerSettings(UniqueName("group"), [topic]) { OnAssigned = assigned.AddRange });
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [consumer] = [] };

        await PollUntilAsync(seen, () => consumer.Assignment.Count == 3, "the only member owns every partition");

        var expected = Enumerable.Range(0, 3).Select(p => new TopicPartition(topic, p)).ToList();
        Assert.Equal(expected, assigned.OrderBy(p => p.Partition).ToList());
        Assert.Equal(expected, consumer.Assignment.OrderBy(p => p.Partition).ToList());
    }

    [Fact]
    public async Task Poll_WakesUp_WhenARecordArrivesWhileWaiting()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 1);
        var consumer = Consumer(log, UniqueName("group"), topic);
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [consumer] = [] };
        await PollUntilAsync(seen, () => consumer.Assignment.Count == 1, "the member owns the partition");

        var waiting = consumer.PollAsync(10, Patience, Ct);
        await ProduceAsync(Producer(log), topic, ["late"]);
        var records = await waiting;

        Assert.Equal(["late"], records.Select(Text));
    }

    [Fact]
    public async Task Poll_StopsWaiting_WhenCancelled()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 1);
        var consumer = Consumer(log, UniqueName("group"), topic);
        Assert.Empty(await consumer.PollAsync(10, ShortPoll, Ct));

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var waiting = consumer.PollAsync(10, Patience * 10, cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience, Ct));
    }

    [Fact]
    public async Task EnsureTopics_LeavesAnExistingTopicAsItIs()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 2);
        await log.EnsureTopicsAsync([new TopicSpec(topic, 8)], Ct);

        var positions = await ProduceAsync(Producer(log), topic, Enumerable.Range(0, 100).Select(i => $"key-{i}"));

        Assert.Equal([0, 1], positions.Select(p => p.Partition).Distinct().Order());
    }

    [Fact]
    public async Task CreateConsumer_RejectsSettingsWithoutAGroupOrATopic()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 1);

        Assert.Throws<ArgumentNullException>("settings", () => log.CreateConsumer(null!));
        Assert.Throws<ArgumentException>("settings", () => log.CreateConsumer(new ConsumerSettings(" ", [topic])));
        Assert.Throws<ArgumentException>("settings", () => log.CreateConsumer(new ConsumerSettings(UniqueName("group"), [])));
        Assert.Throws<ArgumentException>("settings", () => log.CreateConsumer(new ConsumerSettings(UniqueName("group"), [topic, ""])));
    }
}

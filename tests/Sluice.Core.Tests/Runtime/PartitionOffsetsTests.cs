using Sluice.Core.Ports;
using Sluice.Core.Runtime;

namespace Sluice.Core.Tests.Runtime;

public class PartitionOffsetsTests
{
    [Fact]
    public void Committable_IsOnePastHighest_WhenAllFinished()
    {
        var offsets = new PartitionOffsets();
        foreach (var o in new long[] { 5, 6, 7 })
        {
            offsets.Start(o);
        }

        offsets.Complete(6);
        offsets.Complete(5);
        offsets.Complete(7);

        Assert.Equal(8, offsets.Committable);
        Assert.True(offsets.HasProgress);
    }

    [Fact]
    public void Commit_SkipsGapUntilEarlierOffsetCompletes()
    {
        var offsets = new PartitionOffsets();
        offsets.Start(10);
        offsets.Start(11);
        offsets.Start(12);

        offsets.Complete(11);
        offsets.Complete(12);
        Assert.Equal(10, offsets.Committable);

        offsets.Complete(10);
        Assert.Equal(13, offsets.Committable);
    }

    [Fact]
    public void HasProgress_IsFalse_AfterMarkCommittedUntilMoreFinishes()
    {
        var offsets = new PartitionOffsets();
        offsets.Start(0);
        offsets.Complete(0);
        offsets.MarkCommitted(offsets.Committable);
        Assert.False(offsets.HasProgress);

        offsets.Start(1);
        Assert.False(offsets.HasProgress);
        offsets.Complete(1);
        Assert.True(offsets.HasProgress);
        Assert.Equal(2, offsets.Committable);
    }

    [Fact]
    public void NothingSeen_HasNoProgress()
    {
        var offsets = new PartitionOffsets();
        Assert.False(offsets.HasProgress);
        Assert.False(offsets.Complete(3));
    }

    [Fact]
    public void Tracker_RevokeReturnsFinishedPrefixAndForgetsPartition()
    {
        var tracker = new OffsetTracker();
        var p0 = new TopicPartition("t", 0);
        var p1 = new TopicPartition("t", 1);
        tracker.Start(p0, 0);
        tracker.Start(p0, 1);
        tracker.Start(p1, 0);
        tracker.Complete(p0, 0);

        var revoked = tracker.Revoke([p0]);

        Assert.Equal([new TopicPartitionOffset("t", 0, 1)], revoked);
        Assert.False(tracker.Complete(p0, 1));
        Assert.Equal(0, tracker.InFlight(p0));
        Assert.Equal(1, tracker.InFlight(p1));
        Assert.Empty(tracker.Committable());
    }

    [Fact]
    public void Tracker_CommittableListsOnlyPartitionsThatMoved()
    {
        var tracker = new OffsetTracker();
        var p0 = new TopicPartition("t", 0);
        var p1 = new TopicPartition("t", 1);
        tracker.Start(p0, 4);
        tracker.Start(p1, 9);
        tracker.Complete(p0, 4);

        var first = tracker.Committable();
        Assert.Equal([new TopicPartitionOffset("t", 0, 5)], first);

        tracker.MarkCommitted(first);
        Assert.Empty(tracker.Committable());
    }
}

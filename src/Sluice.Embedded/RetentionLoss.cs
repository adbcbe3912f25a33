namespace Sluice.Embedded;

/// <summary>
/// The embedded log's hard retention cap (<see cref="SqliteEventLogOptions.MaxRetention"/>) deleted records that
/// consumer groups had not read: data loss the host must make visible (<see cref="SqliteEventLog.UnconsumedRecordsDeleted"/>).
/// </summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Count">How many unread records were deleted.</param>
/// <param name="Groups">The consumer groups that had not read them.</param>
public sealed record RetentionLoss(string Topic, int Partition, long Count, IReadOnlyList<string> Groups);

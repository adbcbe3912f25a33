using Microsoft.Extensions.Logging;

namespace Sluice.Embedded.Internal.EventLog;

internal static partial class EventLogLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Event log opened at {Path}")]
    public static partial void Opened(ILogger logger, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Committing a batch of {Requests} produce calls failed")]
    public static partial void BatchFailed(ILogger logger, int requests, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Created topic {Topic} with {Partitions} partitions")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Retention deleted {Count} records of {Topic}[{Partition}]")]
    public static partial void RetentionDeleted(ILogger logger, long count, string topic, int partition);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Retention sweep failed")]
    public static partial void RetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Retention deleted {Count} records of {Topic}[{Partition}] that consumer group(s) {Groups} had not read: they were older than the hard cap (MaxRetention {MaxRetention}). Those groups will never see them")]
    public static partial void UnreadRecordsDeleted(ILogger logger, long count, string topic, int partition, string groups, TimeSpan maxRetention);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "A handler of UnconsumedRecordsDeleted failed")]
    public static partial void UnreadHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Member {MemberId} of group {GroupId} was assigned {Partitions}")]
    public static partial void Assigned(ILogger logger, string memberId, string groupId, string partitions);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Member {MemberId} of group {GroupId} released {Partitions}")]
    public static partial void Revoked(ILogger logger, string memberId, string groupId, string partitions);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Member {MemberId} of group {GroupId} lost {Partitions} without committing (its session had expired)")]
    public static partial void Lost(ILogger logger, string memberId, string groupId, string partitions);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Group {GroupId} expired member {MemberId}")]
    public static partial void MemberExpired(ILogger logger, string groupId, string memberId);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Member {MemberId} of group {GroupId} could not leave the group cleanly")]
    public static partial void LeaveFailed(ILogger logger, string memberId, string groupId, Exception exception);
}

using Microsoft.Extensions.Logging;

namespace Sluice.Kafka.Internal;

internal static partial class KafkaLog
{
    [LoggerMessage(EventId = 1, Message = "librdkafka {Client} [{Facility}]: {Text}")]
    public static partial void Librdkafka(ILogger logger, LogLevel level, string client, string facility, string text);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Kafka client {Client} reported an error: {Reason} ({Code})")]
    public static partial void ClientError(ILogger logger, string client, string reason, string code);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Kafka client {Client} reported a fatal error: {Reason} ({Code})")]
    public static partial void FatalError(ILogger logger, string client, string reason, string code);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "The Kafka producer failed fatally and is replaced by a new one")]
    public static partial void ProducerReplaced(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Closing the Kafka {What} took longer than {Timeout}; it is abandoned")]
    public static partial void CloseAbandoned(ILogger logger, string what, TimeSpan timeout);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Closing the Kafka {What} failed")]
    public static partial void CloseFailed(ILogger logger, string what, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Created topic {Topic} with {Partitions} partitions")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Member of group {GroupId} was assigned {Partitions}")]
    public static partial void Assigned(ILogger logger, string groupId, string partitions);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Member of group {GroupId} released {Partitions}")]
    public static partial void Revoked(ILogger logger, string groupId, string partitions);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Member of group {GroupId} lost {Partitions} without committing (it had left the group)")]
    public static partial void Lost(ILogger logger, string groupId, string partitions);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Member of group {GroupId} could not commit the offsets of revoked partitions {Offsets}")]
    public static partial void RevokeCommitFailed(ILogger logger, string groupId, string offsets, Exception exception);

    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "A rebalance callback of group {GroupId} failed")]
    public static partial void CallbackFailed(ILogger logger, string groupId, Exception exception);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "Member of group {GroupId} got a consume error after records were read; they are returned first: {Reason}")]
    public static partial void ConsumeErrorDeferred(ILogger logger, string groupId, string reason);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "Could not read the oldest unread records for consumer lag; their age is left out this time: {Reason}")]
    public static partial void LagReadFailed(ILogger logger, string reason);
}

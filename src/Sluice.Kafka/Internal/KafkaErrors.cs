using Confluent.Kafka;
using Sluice.Core.Ports;

namespace Sluice.Kafka.Internal;

/// <summary>Maps librdkafka errors to <see cref="EventLogException"/>s and tells which of them are worth retrying.</summary>
internal static class KafkaErrors
{
    /// <summary>
    /// A producer error. A fatal producer is replaced before the next call, so a fatal error is transient
    /// unless its cause is permanent: retrying on the new producer is the way out.
    /// </summary>
    public static EventLogException Produce(Error error, Exception? inner = null) =>
        Create($"Kafka did not acknowledge the records: {error.Reason} ({error.Code})", inner, transient: !IsPermanent(error.Code));

    /// <summary>
    /// A consumer error (consume, commit, pause). Group and fetch errors pass (coordinator moves, topics appear,
    /// rebalances end); a fatal consumer stays failed, and missing permissions do not grant themselves.
    /// </summary>
    public static EventLogException Consumer(string what, Error error, Exception? inner = null) =>
        Create($"Kafka could not {what}: {error.Reason} ({error.Code})", inner, transient: !error.IsFatal && !IsDenied(error.Code));

    /// <summary>An admin error (metadata, topic creation).</summary>
    public static EventLogException Admin(string what, Error error, Exception? inner = null) =>
        Create($"Kafka could not {what}: {error.Reason} ({error.Code})", inner, transient: !error.IsFatal && !IsPermanent(error.Code));

    /// <summary>Errors that the same request will hit again, however long the caller waits.</summary>
    private static bool IsPermanent(ErrorCode code) => IsDenied(code) || code is
        ErrorCode.MsgSizeTooLarge or ErrorCode.InvalidMsgSize or ErrorCode.RecordListTooLarge
        or ErrorCode.InvalidMsg or ErrorCode.InvalidRecord or ErrorCode.InvalidTimestamp or ErrorCode.InvalidRequiredAcks
        or ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition or ErrorCode.TopicException
        or ErrorCode.Local_InvalidArg or ErrorCode.Local_InvalidType or ErrorCode.Local_Conflict or ErrorCode.PolicyViolation
        or ErrorCode.InvalidPartitions or ErrorCode.InvalidReplicationFactor or ErrorCode.InvalidReplicaAssignment
        or ErrorCode.InvalidConfig or ErrorCode.UnsupportedForMessageFormat or ErrorCode.UnsupportedVersion;

    private static bool IsDenied(ErrorCode code) => code is
        ErrorCode.TopicAuthorizationFailed or ErrorCode.GroupAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed
        or ErrorCode.TransactionalIdAuthorizationFailed or ErrorCode.SaslAuthenticationFailed or ErrorCode.Local_Authentication
        or ErrorCode.InvalidGroupId or ErrorCode.FencedInstanceId;

    private static EventLogException Create(string message, Exception? inner, bool transient) =>
        inner is null
            ? new EventLogException(message) { IsTransient = transient }
            : new EventLogException(message, inner) { IsTransient = transient };
}

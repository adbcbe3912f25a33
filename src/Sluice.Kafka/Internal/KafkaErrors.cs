using Confluent.Kafka;
using Sluice.Core.Ports;

namespace Sluice.Kafka.Internal;

/// <summary>Maps librdkafka errors to <see cref="EventLogException"/>s and tells which of them are worth retrying.</summary>
internal static class KafkaErrors
{
    /// <summary>Errors that the same request will hit again, however long the caller waits.</summary>
    public static bool IsPermanent(ErrorCode code) => code is
        ErrorCode.MsgSizeTooLarge or ErrorCode.InvalidMsgSize or ErrorCode.RecordListTooLarge
        or ErrorCode.InvalidMsg or ErrorCode.InvalidRecord or ErrorCode.InvalidTimestamp or ErrorCode.InvalidRequiredAcks
        or ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition or ErrorCode.TopicException
        or ErrorCode.TopicAuthorizationFailed or ErrorCode.GroupAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed
        or ErrorCode.TransactionalIdAuthorizationFailed or ErrorCode.SaslAuthenticationFailed or ErrorCode.Local_Authentication
        or ErrorCode.Local_InvalidArg or ErrorCode.Local_InvalidType or ErrorCode.Local_Conflict or ErrorCode.PolicyViolation
        or ErrorCode.InvalidPartitions or ErrorCode.InvalidReplicationFactor or ErrorCode.InvalidReplicaAssignment
        or ErrorCode.InvalidConfig or ErrorCode.UnsupportedForMessageFormat or ErrorCode.UnsupportedVersion
        or ErrorCode.InvalidGroupId or ErrorCode.FencedInstanceId;

    /// <summary>
    /// A producer error. A fatal producer is replaced before the next call, so a fatal error is transient
    /// unless its cause is permanent: retrying on the new producer is the way out.
    /// </summary>
    public static EventLogException Produce(Error error, Exception? inner = null) =>
        Create($"Kafka did not acknowledge the records: {error.Reason} ({error.Code})", error, inner, transientWhenFatal: true);

    /// <summary>A consumer or admin error. A fatal consumer stays failed, so retrying with it is pointless.</summary>
    public static EventLogException Other(string what, Error error, Exception? inner = null) =>
        Create($"Kafka could not {what}: {error.Reason} ({error.Code})", error, inner, transientWhenFatal: false);

    private static EventLogException Create(string message, Error error, Exception? inner, bool transientWhenFatal)
    {
        var transient = !IsPermanent(error.Code) && (transientWhenFatal || !error.IsFatal);
        return inner is null
            ? new EventLogException(message) { IsTransient = transient }
            : new EventLogException(message, inner) { IsTransient = transient };
    }
}

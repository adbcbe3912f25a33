using System.ComponentModel.DataAnnotations;

namespace Sluice.Kafka;

/// <summary>
/// Options of the Kafka event log (<see cref="KafkaEventLog"/>), bound from <c>Sluice:Kafka</c>.
/// Anything not covered here (SASL, TLS, client tuning) goes to <see cref="Properties"/>.
/// </summary>
public sealed class KafkaOptions
{
    public const string SectionName = "Kafka";

    /// <summary>Comma-separated <c>host:port</c> list of brokers to bootstrap from.</summary>
    [Required]
    public string BootstrapServers { get; set; } = "";

    /// <summary>
    /// Prepended to every topic name and group id on the wire, so that several deployments can share a cluster.
    /// Consumed records carry the logical topic name, without the prefix.
    /// </summary>
    public string TopicPrefix { get; set; } = "";

    /// <summary>Replication factor of topics this log creates; -1 takes the broker's default.</summary>
    [Range(-1, short.MaxValue)]
    public short ReplicationFactor { get; set; } = -1;

    /// <summary>
    /// Consumer group protocol: <c>classic</c> (client-side cooperative-sticky assignment) or <c>consumer</c>
    /// (KIP-848, broker-side assignment; session settings then come from the broker).
    /// </summary>
    [AllowedValues("classic", "consumer")]
    public string GroupProtocol { get; set; } = "classic";

    /// <summary>A member that stops heartbeating for this long loses its partitions (classic protocol).</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Longest time between two polls before the member is considered stuck and leaves its group.</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a produce may take (retries included) before the caller sees an error (<c>message.timeout.ms</c>).</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline for closing consumers and flushing the producer on dispose; past it they are abandoned, never waited for.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Largest record accepted (key, value and headers). A produce call with a larger record is rejected before
    /// any of its records is sent. Must fit the brokers' and topics' <c>max.message.bytes</c>.
    /// </summary>
    [Range(1024, int.MaxValue)]
    public int MaxMessageBytes { get; set; } = 1_000_000;

    /// <summary>Raw librdkafka properties, applied last to the producer, consumer and admin configurations.</summary>
    public IDictionary<string, string> Properties { get; set; } = new Dictionary<string, string>();
}

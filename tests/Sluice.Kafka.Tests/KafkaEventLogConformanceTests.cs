using Sluice.Conformance;
using Sluice.Core.Ports;

namespace Sluice.Kafka.Tests;

/// <summary>The event log contract on librdkafka's mock cluster, through the real client.</summary>
public sealed class KafkaEventLogConformanceTests(MockClusterFixture fixture) : EventLogConformance, IClassFixture<MockClusterFixture>
{
    protected override int MaxRecordBytes => 64 * 1024;

    /// <summary>
    /// The mock's classic group coordinator may refuse the commit of a member whose partitions move to one that
    /// joins (see the base property); the adapter then logs a warning and the records are delivered again.
    /// </summary>
    protected override bool TakesCommitsWhileAMemberJoins => false;

    protected override Task<IEventLog> CreateLogAsync(CancellationToken cancellationToken) =>
        Task.FromResult(fixture.Open(fixture.Options()));
}

/// <summary>The event log contract on the mock cluster with KIP-848 group membership (<c>group.protocol=consumer</c>).</summary>
public sealed class KafkaEventLogConsumerProtocolConformanceTests(MockClusterFixture fixture) : EventLogConformance, IClassFixture<MockClusterFixture>
{
    protected override int MaxRecordBytes => 64 * 1024;

    protected override Task<IEventLog> CreateLogAsync(CancellationToken cancellationToken)
    {
        var options = fixture.Options();
        options.GroupProtocol = "consumer";
        return Task.FromResult(fixture.Open(options));
    }
}

/// <summary>
/// The event log contract on a real cluster, when <c>SLUICE_KAFKA_BOOTSTRAP</c> names one; topics are created
/// through the real <see cref="KafkaEventLog.EnsureTopicsAsync"/>, under a prefix of their own.
/// </summary>
public sealed class KafkaEventLogRealClusterConformanceTests : EventLogConformance
{
    private static readonly string? Bootstrap = Environment.GetEnvironmentVariable("SLUICE_KAFKA_BOOTSTRAP");

    protected override int MaxRecordBytes => 64 * 1024;

    protected override TimeSpan Patience => TimeSpan.FromSeconds(60);

    protected override Task<IEventLog> CreateLogAsync(CancellationToken cancellationToken)
    {
        Assert.SkipWhen(string.IsNullOrWhiteSpace(Bootstrap), "SLUICE_KAFKA_BOOTSTRAP is not set: no real Kafka cluster to test against.");
        return Task.FromResult<IEventLog>(new KafkaEventLog(new KafkaOptions
        {
            BootstrapServers = Bootstrap!,
            TopicPrefix = "sluice-conformance.",
            SessionTimeout = TimeSpan.FromSeconds(10),
            CloseTimeout = TimeSpan.FromSeconds(10),
            MaxMessageBytes = MaxRecordBytes,
        }));
    }
}

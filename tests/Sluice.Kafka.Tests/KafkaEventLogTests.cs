using System.ComponentModel.DataAnnotations;
using Sluice.Core.Ports;

namespace Sluice.Kafka.Tests;

public sealed class KafkaEventLogTests
{
    [Fact]
    public async Task Options_AreValidated_WhenTheLogIsCreated()
    {
        Assert.Throws<ValidationException>(() => new KafkaEventLog(new KafkaOptions()));
        Assert.Throws<ValidationException>(() => new KafkaEventLog(new KafkaOptions { BootstrapServers = "localhost:9092", GroupProtocol = "eager" }));
        Assert.Throws<ValidationException>(() => new KafkaEventLog(new KafkaOptions { BootstrapServers = "localhost:9092", MaxMessageBytes = 10 }));
        await using var valid = new KafkaEventLog(new KafkaOptions { BootstrapServers = "localhost:9092", GroupProtocol = "consumer" });
    }

    [Fact]
    public async Task TopicSpecs_MapToKafkaTopicConfigs_UnderThePrefix()
    {
        await using var log = new KafkaEventLog(new KafkaOptions { BootstrapServers = "localhost:9092", TopicPrefix = "prod.", ReplicationFactor = 3 });

        var plain = log.ToSpecification(new TopicSpec("documents.submitted", 6, TimeSpan.FromDays(7)));
        Assert.Equal("prod.documents.submitted", plain.Name);
        Assert.Equal(6, plain.NumPartitions);
        Assert.Equal(3, plain.ReplicationFactor);
        Assert.Equal(new Dictionary<string, string> { ["retention.ms"] = "604800000" }, plain.Configs);

        var compacted = log.ToSpecification(new TopicSpec("documents.status", 3, TimeSpan.FromHours(1)) { Compacted = true });
        Assert.Equal(
            new Dictionary<string, string> { ["retention.ms"] = "3600000", ["cleanup.policy"] = "compact", ["min.compaction.lag.ms"] = "3600000" },
            compacted.Configs);

        var defaults = log.ToSpecification(new TopicSpec("chunks.created", 1));
        Assert.Empty(defaults.Configs);
    }
}

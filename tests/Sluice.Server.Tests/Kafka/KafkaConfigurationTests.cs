using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Kafka;

namespace Sluice.Server.Tests.Kafka;

public sealed class KafkaConfigurationTests
{
    [Fact]
    public async Task KafkaTransport_BindsItsOptions_AndHandsDottedKeysToLibrdkafka()
    {
        var builder = SluiceApp.CreateWorkerBuilder([], new Dictionary<string, string?>
        {
            ["Sluice:Transport"] = "kafka",
            ["Sluice:Stages"] = "",
            ["Sluice:Kafka:BootstrapServers"] = "broker-1:9092,broker-2:9092",
            ["Sluice:Kafka:TopicPrefix"] = "staging.",
            ["Sluice:Kafka:security.protocol"] = "SASL_SSL",
            ["Sluice:Kafka:sasl.mechanism"] = "SCRAM-SHA-512",
            ["Sluice:Kafka:Properties:client.rack"] = "eu-west-1a",
        });
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<KafkaOptions>>().Value;
        Assert.Equal("broker-1:9092,broker-2:9092", options.BootstrapServers);
        Assert.Equal("staging.", options.TopicPrefix);
        Assert.Equal("SASL_SSL", options.Properties["security.protocol"]);
        Assert.Equal("SCRAM-SHA-512", options.Properties["sasl.mechanism"]);
        Assert.Equal("eu-west-1a", options.Properties["client.rack"]);
        Assert.DoesNotContain("BootstrapServers", options.Properties.Keys);
        await using var log = Assert.IsType<KafkaEventLog>(host.Services.GetRequiredService<IEventLog>());
    }

    [Fact]
    public void KafkaTransport_WithoutBootstrapServers_FailsAtStartWithTheOptionNamed()
    {
        var builder = SluiceApp.CreateWorkerBuilder([], new Dictionary<string, string?>
        {
            ["Sluice:Transport"] = "kafka",
            ["Sluice:Stages"] = "",
        });
        using var host = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<KafkaOptions>>().Value);
        Assert.Contains("BootstrapServers", error.Message, StringComparison.Ordinal);
    }
}

using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Kafka.Internal;

namespace Sluice.Kafka.Tests;

/// <summary>
/// SASL and TLS settings given as configuration (as <c>deploy/kafka-sasl.env</c> shows) reach every librdkafka client
/// Sluice creates: producer, consumers and admin client, in both accepted spellings.
/// </summary>
public sealed class KafkaSecuritySettingsTests
{
    [Theory]
    [InlineData("Properties:")] // Sluice__Kafka__Properties__security.protocol
    [InlineData("")] // Sluice__Kafka__security.protocol
    public void SaslAndTlsSettings_ReachEveryClientConfiguration(string prefix)
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sluice:Kafka:BootstrapServers"] = "broker1.example:9093",
            [$"Sluice:Kafka:{prefix}security.protocol"] = "sasl_ssl",
            [$"Sluice:Kafka:{prefix}sasl.mechanism"] = "SCRAM-SHA-512",
            [$"Sluice:Kafka:{prefix}sasl.username"] = "sluice",
            [$"Sluice:Kafka:{prefix}sasl.password"] = "kafka-secret",
            [$"Sluice:Kafka:{prefix}ssl.ca.location"] = "/etc/sluice/kafka-ca.pem",
            [$"Sluice:Kafka:{prefix}ssl.endpoint.identification.algorithm"] = "https",
        }).Build();
        using var services = new ServiceCollection().AddSluiceKafka(settings.GetSection("Sluice:Kafka")).BuildServiceProvider();
        var clients = new KafkaClients(services.GetRequiredService<IOptions<KafkaOptions>>().Value, NullLogger.Instance);

        ClientConfig[] configs = [clients.Producer(), clients.Consumer(new ConsumerSettings("extract", ["documents.submitted"])), clients.Admin()];

        // What librdkafka is handed: the raw strings, as configured.
        Assert.All(configs, config =>
        {
            Assert.Equal("broker1.example:9093", config.Get("bootstrap.servers"));
            Assert.Equal("sasl_ssl", config.Get("security.protocol"));
            Assert.Equal("SCRAM-SHA-512", config.Get("sasl.mechanism"));
            Assert.Equal("sluice", config.Get("sasl.username"));
            Assert.Equal("kafka-secret", config.Get("sasl.password"));
            Assert.Equal("/etc/sluice/kafka-ca.pem", config.Get("ssl.ca.location"));
            Assert.Equal("https", config.Get("ssl.endpoint.identification.algorithm"));
        });
    }
}

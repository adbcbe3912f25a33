using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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

    [Fact]
    public async Task TheSaslPassword_IsNeverLogged_EvenWithLibrdkafkasDebugLogOn()
    {
        const string Password = "kafka-pw-5e1d9b7c3a2f4860";
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.CreateTopic("t", 1);
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new LinesProvider(lines)));
        var options = KafkaTestSupport.Options(cluster);
        options.DeliveryTimeout = TimeSpan.FromSeconds(3);
        options.Properties["security.protocol"] = "sasl_plaintext";
        options.Properties["sasl.mechanism"] = "PLAIN";
        options.Properties["sasl.username"] = "sluice";
        options.Properties["sasl.password"] = Password;
        options.Properties["log_level"] = "7";
        options.Properties["debug"] = "security,broker,protocol,conf";

        await using (var log = new KafkaEventLog(options, loggers))
        {
            await using var producer = log.CreateProducer();
            try
            {
                await producer.ProduceAsync([KafkaTestSupport.Record("t", "k", "v")], KafkaTestSupport.Ct);
            }
            catch (EventLogException)
            {
                // Whether the mock broker accepts the handshake is not the point: what was logged on the way is.
            }
        }

        Assert.NotEmpty(lines); // librdkafka's debug log reached the logger
        Assert.DoesNotContain(lines, l => l.Contains(Password, StringComparison.Ordinal));
    }

    private sealed class LinesProvider(System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Lines(lines);

        public void Dispose()
        {
        }

        private sealed class Lines(System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => lines.Enqueue($"{formatter(state, exception)} {exception}");
        }
    }
}

using System.CommandLine;
using Sluice.Cli.Client;
using Sluice.Core.Events;
using Sluice.Kafka;
using Sluice.Server.Hosting;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice dev kafka</c>: a Kafka cluster for development without Docker — librdkafka's mock cluster, which
/// speaks the real wire protocol. In memory only: everything is gone when it stops.
/// </summary>
internal static class DevCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "Brokers in the cluster (default 3)", DefaultValueFactory = _ => 3 };
        var topics = new Option<bool>("--topics") { Description = "Create Sluice's topics (the mock cannot create topics on request)" };
        var partitions = new Option<int>("--partitions") { Description = "Partitions per topic with --topics (default 6)", DefaultValueFactory = _ => 6 };
        var prefix = new Option<string>("--prefix") { Description = "Topic name prefix with --topics (as Sluice:Kafka:TopicPrefix)", DefaultValueFactory = _ => "" };
        var kafka = new Command("kafka", "Run an in-memory Kafka cluster for development (librdkafka's mock cluster) until stopped")
        {
            brokers, topics, partitions, prefix,
        };
        kafka.SetAction(async (result, cancellationToken) =>
        {
            var brokerCount = result.GetValue(brokers);
            var partitionCount = result.GetValue(partitions);
            if (brokerCount is < 1 or > 16 || partitionCount is < 1 or > 1024)
            {
                throw new CliException("--brokers must be 1 to 16 and --partitions 1 to 1024", 2);
            }

            using var cluster = KafkaMockCluster.Start(brokerCount);
            cluster.SetConsumerGroupTimeouts(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1));
            if (result.GetValue(topics))
            {
                foreach (var spec in TopicProvisioner.Specs(partitionCount))
                {
                    cluster.CreateTopic(result.GetValue(prefix) + spec.Name, spec.Partitions, Math.Min(3, brokerCount));
                }
            }

            // Announced once the topics exist: a client that starts on this line finds them all (the mock cannot create
            // a missing one, so one created a moment too late left that client waiting for a controller until it timed out).
            await Console.Out.WriteLineAsync($"bootstrap: {cluster.BootstrapServers}");
            if (result.GetValue(topics))
            {
                await Console.Out.WriteLineAsync(
                    $"topics: {TopicProvisioner.Specs(partitionCount).Count} ({string.Join(", ", Topics.All)}, and each stage's retry and dead-letter topics), {partitionCount} partitions each");
            }

            await Console.Out.WriteLineAsync(
                "In-memory mock cluster for development only: nothing is persisted, each partition keeps about 5 MiB, " +
                "and topics cannot be created on request (use --topics).");
            await Console.Out.WriteLineAsync(
                "Rebalances: run Sluice with Sluice__Kafka__GroupProtocol=consumer (KIP-848; members leave after 10 s of silence). " +
                "On the classic protocol this mock waits a whole session timeout per rebalance round. Ctrl+C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return new Command("dev", "Development helpers") { kafka, FakeLlmCommand.Create() };
    }
}

using System.Text;
using Sluice.Core.Ports;

namespace Sluice.Kafka.Tests;

internal static class KafkaTestSupport
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static KafkaOptions Options(KafkaMockCluster cluster) => new()
    {
        BootstrapServers = cluster.BootstrapServers,
        SessionTimeout = TimeSpan.FromSeconds(6),
        CloseTimeout = TimeSpan.FromSeconds(5),
    };

    public static OutgoingRecord Record(string topic, string key, string value) => new(topic, key, Encoding.UTF8.GetBytes(value));

    public static string Text(ConsumedRecord record) => Encoding.UTF8.GetString(record.Value.Span);

    /// <summary>Polls until at least <paramref name="count"/> records arrived, then for a quiet second more (to catch duplicates).</summary>
    public static async Task<List<ConsumedRecord>> ConsumeAsync(IEventConsumer consumer, int count)
    {
        var records = new List<ConsumedRecord>();
        var deadline = DateTime.UtcNow + Patience;
        while (records.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {count} records; received {records.Count}.");
            records.AddRange(await consumer.PollAsync(500, TimeSpan.FromMilliseconds(200), Ct));
        }

        var quiet = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        while (DateTime.UtcNow < quiet)
        {
            records.AddRange(await consumer.PollAsync(500, TimeSpan.FromMilliseconds(200), Ct));
        }

        return records;
    }
}

using System.Text;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Tests.EventLog;

internal static class Polling
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Polls the consumers in turn, collecting records per consumer, until the condition holds or patience runs out.</summary>
    public static async Task UntilAsync(
        IReadOnlyDictionary<IEventConsumer, List<ConsumedRecord>> seen, Func<bool> condition, string what, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? Patience);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            foreach (var (consumer, records) in seen)
            {
                records.AddRange(await consumer.PollAsync(500, TimeSpan.FromMilliseconds(50), Ct));
            }
        }
    }

    public static async Task<List<ConsumedRecord>> ConsumeAsync(IEventConsumer consumer, int count)
    {
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [consumer] = [] };
        await UntilAsync(seen, () => seen[consumer].Count >= count, $"{count} records arrived");
        return seen[consumer];
    }

    public static OutgoingRecord Record(string topic, string key, string value) => new(topic, key, Encoding.UTF8.GetBytes(value));

    public static string Text(ConsumedRecord record) => Encoding.UTF8.GetString(record.Value.Span);
}

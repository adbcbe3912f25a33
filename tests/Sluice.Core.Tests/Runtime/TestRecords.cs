using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;

namespace Sluice.Core.Tests.Runtime;

/// <summary>Records as a consumer hands them to the runtime, and what the runtime produced in answer.</summary>
internal static class TestRecords
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static ConsumedRecord Of<T>(T data, long offset = 7, string topic = "s.in", string documentId = "doc-1")
    {
        var envelope = EventEnvelope.Create(topic, "default", documentId, data, $"event-{offset}", Now);
        var record = EventRecords.ToRecord(topic, envelope);
        return new ConsumedRecord(topic, 0, offset, record.Key, record.Value, record.Headers!, Now);
    }

    public static List<StageStatusChanged> Statuses(RecordingEventLog log)
        => [.. log.Produced.Where(r => r.Topic == Topics.DocumentsStatus).Select(r => EventEnvelope.Parse(r.Value.Span).GetData<StageStatusChanged>())];
}

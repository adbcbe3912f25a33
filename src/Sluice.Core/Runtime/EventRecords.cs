using System.Diagnostics;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Core.Runtime;

/// <summary>Maps envelopes to log records and back, carrying W3C trace context in the headers.</summary>
public static class EventRecords
{
    /// <summary>The activity source of the pipeline: one span per publish and per handled event.</summary>
    public static ActivitySource ActivitySource { get; } = new("Sluice.Pipeline");

    public static OutgoingRecord ToRecord(string topic, EventEnvelope envelope)
    {
        var headers = new Dictionary<string, string>(4, StringComparer.Ordinal)
        {
            [Headers.EventType] = envelope.Type,
            [Headers.EventId] = envelope.Id,
        };
        if (Activity.Current is { } activity && activity.IdFormat == ActivityIdFormat.W3C)
        {
            headers[Headers.TraceParent] = activity.Id!;
            if (activity.TraceStateString is { Length: > 0 } state)
            {
                headers[Headers.TraceState] = state;
            }
        }

        return new OutgoingRecord(topic, envelope.DocumentId, envelope.ToUtf8Json(), headers);
    }

    /// <summary>The trace context the producer of <paramref name="record"/> propagated, if any.</summary>
    public static ActivityContext ParentContext(ConsumedRecord record)
    {
        if (record.Headers.TryGetValue(Headers.TraceParent, out var parent))
        {
            record.Headers.TryGetValue(Headers.TraceState, out var state);
            if (ActivityContext.TryParse(parent, state, out var context))
            {
                return context;
            }
        }

        return default;
    }
}

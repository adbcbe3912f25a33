using System.Diagnostics;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Core.Runtime;

/// <summary>Maps envelopes to log records and back, carrying W3C trace context in the headers.</summary>
public static class EventRecords
{
    /// <summary>The activity source of the pipeline: one span per publish and per handled event.</summary>
    public static ActivitySource ActivitySource { get; } = new("Sluice.Pipeline");

    /// <summary>The <c>messaging.system</c> of the embedded log (Kafka is <c>kafka</c>).</summary>
    public const string EmbeddedLogSystem = "sluice";

    /// <summary>
    /// Produces <paramref name="records"/> with a producer span (<c>send &lt;topic&gt;</c>) per record, child of the
    /// current span, when anyone listens; without a listener it is exactly <see cref="IEventProducer.ProduceAsync"/>.
    /// A record whose <c>traceparent</c> was written from the current span (see <see cref="ToRecord"/>) carries its
    /// producer span's context instead, so that its consumers become that span's children; a record forwarded with the
    /// trace context it came with (a retry, a dead letter) keeps it, so it stays where it was in its document's trace.
    /// </summary>
    /// <param name="producer">The log's producer.</param>
    /// <param name="records">The records, produced in one call.</param>
    /// <param name="messagingSystem"><c>kafka</c> or <see cref="EmbeddedLogSystem"/>.</param>
    /// <param name="cancellationToken">Cancels the produce.</param>
    public static Task<IReadOnlyList<TopicPartitionOffset>> ProduceTracedAsync(
        this IEventProducer producer, IReadOnlyList<OutgoingRecord> records, string messagingSystem, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentNullException.ThrowIfNull(records);
        return ActivitySource.HasListeners()
            ? ProduceWithSpansAsync(producer, records, messagingSystem, cancellationToken)
            : producer.ProduceAsync(records, cancellationToken);
    }

    private static async Task<IReadOnlyList<TopicPartitionOffset>> ProduceWithSpansAsync(
        IEventProducer producer, IReadOnlyList<OutgoingRecord> records, string messagingSystem, CancellationToken cancellationToken)
    {
        var current = Activity.Current;
        var spans = new Activity?[records.Count];
        var traced = new OutgoingRecord[records.Count];
        try
        {
            for (var i = 0; i < records.Count; i++)
            {
                var record = records[i];
                var span = ActivitySource.StartActivity($"send {record.Topic}", ActivityKind.Producer);
                Activity.Current = current; // each record's span is a sibling, not the previous one's child
                spans[i] = span;
                traced[i] = span is null ? record : Traced(record, span, current, messagingSystem);
            }

            var positions = await producer.ProduceAsync(traced, cancellationToken);
            for (var i = 0; i < spans.Length && i < positions.Count; i++)
            {
                if (spans[i] is { } span)
                {
                    span.SetTag("messaging.destination.partition.id", positions[i].Partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    span.SetTag("messaging.kafka.offset", positions[i].Offset);
                }
            }

            return positions;
        }
        catch (Exception ex)
        {
            foreach (var span in spans)
            {
                span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
                span?.SetTag("error.type", ex.GetType().FullName);
            }

            throw;
        }
        finally
        {
            foreach (var span in spans)
            {
                span?.Dispose();
            }

            Activity.Current = current;
        }
    }

    /// <summary>Tags the producer span and, unless the record was forwarded with its own trace context, injects it.</summary>
    private static OutgoingRecord Traced(OutgoingRecord record, Activity span, Activity? current, string messagingSystem)
    {
        span.SetTag("messaging.system", messagingSystem);
        span.SetTag("messaging.operation.type", "send");
        span.SetTag("messaging.operation.name", "send");
        span.SetTag("messaging.destination.name", record.Topic);
        span.SetTag("messaging.message.body.size", record.Value.Length);
        if (record.Headers is { } headers && headers.TryGetValue(Headers.EventId, out var eventId))
        {
            span.SetTag("messaging.message.id", eventId);
        }

        var parent = record.Headers?.GetValueOrDefault(Headers.TraceParent);
        var forwarded = parent is not null && (current is null || !string.Equals(parent, current.Id, StringComparison.Ordinal));
        if (forwarded || span.IdFormat != ActivityIdFormat.W3C)
        {
            return record;
        }

        var injected = record.Headers is null
            ? new Dictionary<string, string>(2, StringComparer.Ordinal)
            : new Dictionary<string, string>(record.Headers, StringComparer.Ordinal);
        injected[Headers.TraceParent] = span.Id!;
        if (span.TraceStateString is { Length: > 0 } state)
        {
            injected[Headers.TraceState] = state;
        }

        return record with { Headers = injected };
    }

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

        return new OutgoingRecord(topic, KeyOf(envelope), envelope.ToUtf8Json(), headers);
    }

    /// <summary>
    /// The record key of an event: its document id, so that a document's events stay in order on one partition; for one
    /// batch of a document cut into several (<see cref="EventEnvelope.Part"/>), the document id and the batch index, so that
    /// the batches spread over the partitions (and the workers) while each batch's own events stay in order. Status events
    /// carry no part: they stay keyed by document, and the status projection folds a document's reports in order.
    /// </summary>
    public static string KeyOf(EventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return envelope.Part is { IsValid: true } part
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{envelope.DocumentId}/{part.Index}")
            : envelope.DocumentId;
    }

    /// <summary>
    /// The span of the failed attempt a retry, dead-letter or replayed record comes from (see
    /// <see cref="Headers.FailedAttempt"/>), for the next attempt's span to link to; null when there is none.
    /// </summary>
    public static ActivityLink[]? FailedAttemptLink(ConsumedRecord record)
        => record.Headers.TryGetValue(Headers.FailedAttempt, out var failed) && ActivityContext.TryParse(failed, null, out var context)
            ? [new ActivityLink(context)]
            : null;

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

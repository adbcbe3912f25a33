using System.Text.Json;

namespace Sluice.Core.Events;

/// <summary>
/// The small JSON envelope every Sluice event travels in. Trace context does not live here: it rides
/// in the record headers (<c>traceparent</c>, <c>tracestate</c>) so that infrastructure can read it
/// without parsing the body.
/// </summary>
public sealed record EventEnvelope
{
    public required string Id { get; init; }

    /// <summary>The event type; by convention the name of the topic it is first published on.</summary>
    public required string Type { get; init; }

    public int SchemaVersion { get; init; } = 1;

    public required string Tenant { get; init; }

    public required string DocumentId { get; init; }

    /// <summary>
    /// The document's revision this event belongs to: 1 for its first upload, one more each time a deleted document
    /// is uploaded again. Every event a stage emits carries its input's revision, so a store can tell a late event of
    /// a deleted or superseded revision from the current one. Events written before revisions existed read as 1.
    /// </summary>
    public int Revision { get; init; } = 1;

    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>
    /// The batch of its document this event carries, when the document was cut into several (null otherwise, and in
    /// events written before batches existed). Such an event is keyed by document and batch, so a document's batches
    /// spread over the partitions and several workers share one document (see <see cref="Runtime.EventRecords.KeyOf"/>).
    /// </summary>
    public EventPart? Part { get; init; }

    /// <summary>Type-specific payload; read it with <see cref="GetData{T}"/>.</summary>
    public required JsonElement Data { get; init; }

    /// <summary>
    /// Reads the payload as <typeparamref name="T"/>. A payload that is not that type's JSON, is empty, or lacks a
    /// field that may not be null throws <see cref="InvalidPayloadException"/>: the event is poison.
    /// </summary>
    public T GetData<T>()
    {
        T? data;
        try
        {
            data = Data.Deserialize<T>(SluiceJson.Payloads);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            throw new InvalidPayloadException($"the event's payload is not a valid {typeof(T).Name}: {ex.Message}", ex);
        }

        return data ?? throw new InvalidPayloadException($"the event's payload is not a valid {typeof(T).Name}: it is empty (event {Id} of type {Type}).");
    }

    public static EventEnvelope Create<T>(
        string type, string tenant, string documentId, T data, string id, DateTimeOffset occurredAt, int schemaVersion = 1, int revision = 1)
        => new()
        {
            Id = id,
            Type = type,
            SchemaVersion = schemaVersion,
            Tenant = tenant,
            DocumentId = documentId,
            Revision = revision,
            OccurredAt = occurredAt,
            Data = JsonSerializer.SerializeToElement(data, SluiceJson.Options),
        };

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, SluiceJson.Options);

    /// <summary>Parses an envelope; throws <see cref="JsonException"/> on malformed input.</summary>
    public static EventEnvelope Parse(ReadOnlySpan<byte> utf8Json)
    {
        var envelope = JsonSerializer.Deserialize<EventEnvelope>(utf8Json, SluiceJson.Options)
                       ?? throw new JsonException("The event body is empty.");
        if (string.IsNullOrEmpty(envelope.Id) || string.IsNullOrEmpty(envelope.DocumentId) || string.IsNullOrEmpty(envelope.Type))
        {
            throw new JsonException("The event envelope lacks an id, type or document id.");
        }

        return envelope;
    }
}

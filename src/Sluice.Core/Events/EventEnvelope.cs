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

    /// <summary>Type-specific payload; read it with <see cref="GetData{T}"/>.</summary>
    public required JsonElement Data { get; init; }

    public T GetData<T>()
        => Data.Deserialize<T>(SluiceJson.Options)
           ?? throw new JsonException($"Event {Id} of type {Type} has an empty payload.");

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

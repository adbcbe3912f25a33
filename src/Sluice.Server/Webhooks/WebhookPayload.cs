using System.Text.Json;
using System.Text.Json.Serialization;
using Sluice.Core.Ports;

namespace Sluice.Server.Webhooks;

/// <summary>
/// The JSON body of a delivery, in the Standard Webhooks shape: <c>{"type", "timestamp", "data"}</c>. Every field of
/// <c>data</c> is always present (null when it does not apply), so receivers can rely on the shape.
/// </summary>
/// <param name="Type">One of <see cref="StatusChangeTypes"/>.</param>
/// <param name="Timestamp">When the change happened.</param>
/// <param name="Data">The document's state after the change.</param>
public sealed record WebhookPayload(string Type, DateTimeOffset Timestamp, WebhookPayloadData Data)
{
    private static readonly JsonSerializerOptions Json = CreateJson();

    public static WebhookPayload From(StatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return new WebhookPayload(change.Type, change.At, new WebhookPayloadData(
            change.DocumentId, change.Tenant, change.Revision, Snake(change.State.ToString()), change.Stage,
            change.StageState is { } stageState ? Snake(stageState.ToString()) : null, change.Progress,
            change.Error is { } error ? new WebhookPayloadError(error.Stage, error.Reason) : null, change.Position));
    }

    /// <summary>The body as sent (and signed): UTF-8 JSON.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    private static string Snake(string value) => JsonNamingPolicy.SnakeCaseLower.ConvertName(value);

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <param name="DocumentId">The document.</param>
/// <param name="Tenant">Its tenant.</param>
/// <param name="Revision">Its revision (grows each time a deleted document is uploaded again).</param>
/// <param name="State">The document's state after the change: <c>accepted</c>, <c>processing</c>, <c>completed</c>, …</param>
/// <param name="Stage">The stage that reported, for stage changes and progress.</param>
/// <param name="StageState">That stage's state: <c>running</c>, <c>succeeded</c>, <c>retrying</c>, …</param>
/// <param name="Progress">0..1, for progress.</param>
/// <param name="Error">Why the document failed or was dead-lettered.</param>
/// <param name="Position">The change's position in the status change feed (grows with every change).</param>
public sealed record WebhookPayloadData(
    string DocumentId, string Tenant, int Revision, string State, string? Stage, string? StageState, double? Progress, WebhookPayloadError? Error, long Position);

public sealed record WebhookPayloadError(string Stage, string Reason);

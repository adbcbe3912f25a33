using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Api;

/// <summary>One stage of a document.</summary>
/// <param name="Status"><c>pending</c>, <c>running</c>, <c>retrying</c>, <c>succeeded</c>, <c>failed</c> or <c>dead_lettered</c>.</param>
/// <param name="Attempts">Attempts started so far.</param>
/// <param name="StartedAt">Start of the latest attempt.</param>
/// <param name="FinishedAt">When the stage succeeded, failed or was dead-lettered.</param>
/// <param name="NextAttemptAt">While <c>retrying</c>: when the next attempt may start (it starts then, or soon after).</param>
/// <param name="Error">Why it failed or was dead-lettered; while <c>retrying</c>, why the last attempt failed.</param>
/// <param name="ErrorType">With an error: <c>transient</c> (retried, or given up after the last retry) or <c>permanent</c>.</param>
/// <param name="Progress">0..1 of the running attempt, when the stage can tell.</param>
public sealed record StageResponse(
    string Status,
    int Attempts,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? NextAttemptAt,
    string? Error,
    string? ErrorType,
    double? Progress);

public sealed record ErrorResponse(string Stage, string Reason);

/// <summary>A document and its stages.</summary>
/// <remarks>
/// <c>NextAttemptAt</c>: the earliest next attempt of the stages that are <c>retrying</c> (null when none is).
/// <c>EstimatedCompletionAt</c>: when an unfinished document should be done, derived from the latest pipeline sample
/// (see <see cref="Telemetry.CompletionEstimate"/>); null when it is finished or there is no trustworthy estimate.
/// </remarks>
public sealed record DocumentResponse(
    string Id,
    string Filename,
    string ContentType,
    string Format,
    long Bytes,
    string Sha256,
    string Status,
    ErrorResponse? Error,
    int? Chunks,
    DateTimeOffset AcceptedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? NextAttemptAt,
    IReadOnlyDictionary<string, StageResponse> Stages,
    DateTimeOffset? EstimatedCompletionAt = null)
{
    public static DocumentResponse From(DocumentStatus status) => From(status, estimatedCompletionAt: null);

    public static DocumentResponse From(DocumentStatus status, DateTimeOffset? estimatedCompletionAt)
    {
        ArgumentNullException.ThrowIfNull(status);
        var d = status.Document;
        return new DocumentResponse(
            d.Id, d.FileName, d.ContentType, d.Format, d.Source.Size, d.Source.Sha256,
            Lower(status.State.ToString()),
            status.Error is { } e ? new ErrorResponse(e.Stage, e.Reason) : null,
            status.Chunks,
            d.AcceptedAt,
            status.UpdatedAt,
            status.NextAttemptAt,
            status.Stages.ToDictionary(
                s => s.Key,
                s => new StageResponse(
                    Lower(s.Value.State.ToString()), s.Value.Attempts, s.Value.StartedAt, s.Value.FinishedAt, s.Value.NextAttemptAt,
                    s.Value.Error, s.Value.ErrorType, s.Value.Progress)),
            estimatedCompletionAt);
    }

    /// <summary><c>DeadLettered</c> → <c>dead_lettered</c>, as the JSON of events spells enum values.</summary>
    internal static string Lower(string value) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value);
}

public sealed record DocumentPage(IReadOnlyList<DocumentResponse> Items, string? Next);

public sealed record ChunkResponse(string Id, int Index, string Text, int Start, int End, int? Page, int Tokens)
{
    public static ChunkResponse From(Chunk c) => new(c.Id, c.Index, c.Text, c.Start, c.End, c.Page, c.Tokens);
}

public sealed record ChunkPage(string DocumentId, int Total, IReadOnlyList<ChunkResponse> Items, int? Next);

public sealed record SummaryResponse(string DocumentId, string Text, string Summarizer, DateTimeOffset CreatedAt);

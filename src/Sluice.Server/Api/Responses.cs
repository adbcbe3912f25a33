using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Api;

public sealed record StageResponse(
    string Status, int Attempts, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error, double? Progress);

public sealed record ErrorResponse(string Stage, string Reason);

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
    IReadOnlyDictionary<string, StageResponse> Stages)
{
    public static DocumentResponse From(DocumentStatus status)
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
            status.Stages.ToDictionary(
                s => s.Key,
                s => new StageResponse(Lower(s.Value.State.ToString()), s.Value.Attempts, s.Value.StartedAt, s.Value.FinishedAt, s.Value.Error, s.Value.Progress)));
    }

    /// <summary><c>DeadLettered</c> → <c>dead_lettered</c>, as the JSON of events spells enum values.</summary>
    private static string Lower(string value) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value);
}

public sealed record DocumentPage(IReadOnlyList<DocumentResponse> Items, string? Next);

public sealed record ChunkResponse(string Id, int Index, string Text, int Start, int End, int? Page, int Tokens)
{
    public static ChunkResponse From(Chunk c) => new(c.Id, c.Index, c.Text, c.Start, c.End, c.Page, c.Tokens);
}

public sealed record ChunkPage(string DocumentId, int Total, IReadOnlyList<ChunkResponse> Items, int? Next);

public sealed record SummaryResponse(string DocumentId, string Text, string Summarizer, DateTimeOffset CreatedAt);

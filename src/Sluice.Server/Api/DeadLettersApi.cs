using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Server.DeadLetters;

namespace Sluice.Server.Api;

/// <summary>Dead letters for people: list, inspect, replay one or many.</summary>
public static class DeadLettersApi
{
    private const int MaxPageSize = 500;

    public static RouteGroupBuilder MapDeadLettersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/dead-letters").WithTags("Dead letters");
        group.MapGet("/", ListAsync).WithSummary("Dead letters, newest first (filter by stage; state=parked|all)");
        group.MapGet("/{id}", GetAsync).WithSummary("One dead letter with its event and failure context");
        group.MapPost("/{id}/replay", ReplayAsync).WithSummary("Publish the event again to the stage that parked it");
        group.MapPost("/replay", ReplayAllAsync).WithSummary("Replay every parked dead letter of a stage (or of all stages), rate limited");
        return group;
    }

    private static async Task<IResult> ListAsync(
        IDeadLetterStore store, string? stage, string? state, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (state is not (null or "parked" or "all"))
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad state", detail: "state must be 'parked' or 'all'.");
        }

        if (limit is < 1 or > MaxPageSize)
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad limit", detail: $"limit must be 1 to {MaxPageSize}.");
        }

        var size = limit ?? 50;
        var items = await store.ListAsync(stage, parkedOnly: state != "all", size, cursor, cancellationToken);
        return TypedResults.Ok(new DeadLetterPage([.. items.Select(DeadLetterResponse.From)], items.Count == size ? items[^1].Id : null));
    }

    private static async Task<IResult> GetAsync(string id, IDeadLetterStore store, CancellationToken cancellationToken)
        => await store.GetAsync(id, cancellationToken) is { } deadLetter
            ? TypedResults.Ok(DeadLetterResponse.From(deadLetter))
            : NotFound(id);

    private static async Task<IResult> ReplayAsync(string id, DeadLetterReplayer replayer, CancellationToken cancellationToken)
    {
        try
        {
            return await replayer.ReplayAsync(id, cancellationToken) is { } replayed
                ? TypedResults.Accepted($"/v1/dead-letters/{id}", DeadLetterResponse.From(replayed))
                : NotFound(id);
        }
        catch (EventLogException ex)
        {
            return Unavailable(ex);
        }
    }

    private static async Task<IResult> ReplayAllAsync(
        DeadLetterReplayer replayer, string? stage, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 100_000)
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad limit", detail: "limit must be 1 to 100000.");
        }

        try
        {
            var replayed = await replayer.ReplayAllAsync(stage, limit ?? 1000, cancellationToken);
            return TypedResults.Accepted((string?)null, new ReplayResponse(replayed));
        }
        catch (EventLogException ex)
        {
            return Unavailable(ex);
        }
    }

    private static ProblemHttpResult NotFound(string id)
        => TypedResults.Problem(statusCode: 404, title: "No such dead letter", detail: $"There is no dead letter '{id}'.");

    private static ProblemHttpResult Unavailable(EventLogException ex)
        => TypedResults.Problem(statusCode: 503, title: "Event log unavailable", detail: $"The replay could not be published ({ex.Message}); nothing was marked replayed. Try again.");
}

public sealed record DeadLetterPage(IReadOnlyList<DeadLetterResponse> Items, string? Next);

public sealed record ReplayResponse(int Replayed);

/// <summary>A dead letter as the API shows it: the failure context from the headers, and the event itself.</summary>
public sealed record DeadLetterResponse(
    string Id,
    string Stage,
    string? DocumentId,
    string State,
    int Replays,
    DateTimeOffset FailedAt,
    DateTimeOffset? ReplayedAt,
    int? Attempts,
    string? ErrorType,
    string? Error,
    string? OriginalTopic,
    string Topic,
    int Partition,
    long Offset,
    JsonElement? Event,
    string? RawEvent)
{
    public static DeadLetterResponse From(DeadLetter d)
    {
        ArgumentNullException.ThrowIfNull(d);
        JsonElement? parsed = null;
        string? raw = null;
        try
        {
            parsed = JsonDocument.Parse(d.Value).RootElement.Clone();
        }
        catch (JsonException)
        {
            raw = Encoding.UTF8.GetString(d.Value.Span);
        }

        return new DeadLetterResponse(
            d.Id, d.Stage, d.DocumentId, d.State, d.Replays, d.FailedAt, d.ReplayedAt,
            d.Headers.TryGetValue(Headers.Attempts, out var attempts) && int.TryParse(attempts, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null,
            d.Headers.GetValueOrDefault(Headers.ErrorType),
            d.Headers.GetValueOrDefault(Headers.ErrorMessage),
            d.Headers.GetValueOrDefault(Headers.OriginalTopic),
            d.Topic, d.Partition, d.Offset, parsed, raw);
    }
}

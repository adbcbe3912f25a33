using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Server.DeadLetters;
using Sluice.Server.Security;

namespace Sluice.Server.Api;

/// <summary>Dead letters for people: list, inspect, replay one, or replay many in a background job.</summary>
/// <remarks>
/// Who sees what: a <c>writer</c> sees and replays its own tenant's dead letters only (another tenant's is a
/// <c>404</c>, exactly like one that does not exist); an <c>admin</c> sees every tenant's (and those of events that
/// name no tenant), may filter by <c>?tenant=</c>, and alone runs bulk replays and reads their jobs. A <c>reader</c>
/// gets <c>403</c> on all of it.
/// </remarks>
public static partial class DeadLettersApi
{
    private const int MaxPageSize = 500;

    public static RouteGroupBuilder MapDeadLettersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/dead-letters").WithTags("Dead letters").RequireAuthorization(SluiceAuthentication.Policy(SluiceRole.Writer));
        group.MapGet("/", ListAsync).WithSummary("Dead letters, newest first (filter by stage; state=parked|all; an admin may filter by tenant)");
        group.MapGet("/{id}", GetAsync).WithSummary("One dead letter with its event and failure context");
        group.MapPost("/{id}/replay", ReplayAsync)
            .WithSummary("Publish the event again to the stage that parked it (once: 409 if it is not parked; 429 with Retry-After when the replay queue is full)");
        group.MapPost("/replay", StartReplay)
            .WithSummary("Start replaying every parked dead letter of a stage (or of all stages; of one tenant or of all) in the background, rate limited; 202 with the job's URL (admin)")
            .RequireAuthorization(SluiceAuthentication.Policy(SluiceRole.Admin));
        group.MapGet("/replays/{jobId}", GetReplay).WithSummary("A bulk replay's progress: total, replayed, skipped, failed, state (admin)")
            .RequireAuthorization(SluiceAuthentication.Policy(SluiceRole.Admin));
        return group;
    }

    private static async Task<IResult> ListAsync(
        IDeadLetterStore store, HttpContext context, string? stage, string? state, int? limit, string? cursor, string? tenant, CancellationToken cancellationToken)
    {
        var caller = context.GetCaller();
        if (tenant is not null && !Tenants.IsValid(tenant))
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad tenant", detail: $"tenant must be {Tenants.Rule}.");
        }

        if (!caller.IsAtLeast(SluiceRole.Admin))
        {
            if (tenant is not null && tenant != caller.Tenant)
            {
                return TypedResults.Problem(
                    statusCode: 403, title: "Forbidden", detail: "A writer sees its own tenant's dead letters only; leave tenant out.");
            }

            tenant = caller.Tenant;
        }

        if (state is not (null or "parked" or "all"))
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad state", detail: "state must be 'parked' or 'all'.");
        }

        if (limit is < 1 or > MaxPageSize)
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad limit", detail: $"limit must be 1 to {MaxPageSize}.");
        }

        var size = limit ?? 50;
        var items = await store.ListAsync(stage, parkedOnly: state != "all", size, cursor, tenant, cancellationToken);
        return TypedResults.Ok(new DeadLetterPage([.. items.Select(DeadLetterResponse.From)], items.Count == size ? items[^1].Id : null));
    }

    private static async Task<IResult> GetAsync(string id, IDeadLetterStore store, HttpContext context, CancellationToken cancellationToken)
        => await store.GetAsync(id, cancellationToken) is { } deadLetter && IsVisibleTo(context.GetCaller(), deadLetter)
            ? TypedResults.Ok(DeadLetterResponse.From(deadLetter))
            : NotFound(id);

    private static async Task<IResult> ReplayAsync(
        string id, DeadLetterReplayer replayer, HttpContext context, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            switch (await replayer.ReplayAsync(id, OnlyTenantOf(context.GetCaller()), cancellationToken))
            {
                case ReplayOutcome.Replayed replayed:
                    return TypedResults.Accepted($"/v1/dead-letters/{id}", DeadLetterResponse.From(replayed.DeadLetter));
                case ReplayOutcome.NotParked notParked:
                    return TypedResults.Problem(
                        statusCode: 409,
                        title: "Not parked",
                        detail: notParked.DeadLetter.State == "replaying"
                            ? $"Dead letter '{id}' is being replayed right now; it is published once. If its replayer died, it is parked again after Sluice:DeadLetters:StaleReplayAfter."
                            : $"Dead letter '{id}' was already replayed ({notParked.DeadLetter.ReplayedAt:O}). If the stage failed again, the event was parked again as a new dead letter: replay that one.");
                case ReplayOutcome.Busy busy:
                    context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(busy.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                    return TypedResults.Problem(
                        statusCode: 429,
                        title: "Too many replays waiting",
                        detail: "The replay queue is full (Sluice:DeadLetters:ReplayQueueLimit); try again after Retry-After seconds, or replay in bulk with POST /v1/dead-letters/replay.");
                default:
                    return NotFound(id);
            }
        }
        catch (EventLogException ex)
        {
            LogReplayFailed(loggers.CreateLogger(typeof(DeadLettersApi)), id, ex);
            return Unavailable(context);
        }
    }

    private static IResult StartReplay(ReplayJobs jobs, string? stage, int? limit, string? tenant)
    {
        if (tenant is not null && !Tenants.IsValid(tenant))
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad tenant", detail: $"tenant must be {Tenants.Rule}.");
        }

        if (stage is not null && !StageCatalog.DeadLetterStageNames.Contains(stage, StringComparer.Ordinal))
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad stage", detail: $"stage must be one of {string.Join(", ", StageCatalog.DeadLetterStageNames)}.");
        }

        if (limit is < 1)
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad limit", detail: "limit must be at least 1 (or left out: every parked dead letter).");
        }

        var job = jobs.Start(stage, limit, tenant);
        return TypedResults.Accepted($"/v1/dead-letters/replays/{job.Id}", job);
    }

    private static IResult GetReplay(string jobId, ReplayJobs jobs)
        => jobs.Get(jobId) is { } job
            ? TypedResults.Ok(job)
            : TypedResults.Problem(
                statusCode: 404,
                title: "No such replay job",
                detail: $"There is no replay job '{jobId}' in this API process (jobs are kept in memory for a while after they end, and forgotten at a restart).");

    /// <summary>The one tenant a caller's dead letters are limited to; null for an admin, who sees every tenant's.</summary>
    private static string? OnlyTenantOf(Caller caller) => caller.IsAtLeast(SluiceRole.Admin) ? null : caller.Tenant;

    /// <summary>
    /// An admin sees every dead letter; anyone else only its own tenant's (one that names no tenant, a poison record,
    /// is an admin's only).
    /// </summary>
    private static bool IsVisibleTo(Caller caller, DeadLetter deadLetter)
        => OnlyTenantOf(caller) is not { } tenant || deadLetter.Tenant == tenant;

    private static ProblemHttpResult NotFound(string id)
        => TypedResults.Problem(statusCode: 404, title: "No such dead letter", detail: $"There is no dead letter '{id}'.");

    private static ProblemHttpResult Unavailable(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "5";
        return TypedResults.Problem(statusCode: 503, title: "Event log unavailable", detail: "The replay could not be published; the dead letter is still parked. Try again.");
    }

    [LoggerMessage(1, LogLevel.Warning, "Replaying dead letter {DeadLetterId} failed; it stays parked")]
    private static partial void LogReplayFailed(ILogger logger, string deadLetterId, Exception exception);
}

public sealed record DeadLetterPage(IReadOnlyList<DeadLetterResponse> Items, string? Next);

/// <summary>A dead letter as the API shows it: the failure context from the headers, and the event itself.</summary>
public sealed record DeadLetterResponse(
    string Id,
    string Stage,
    string? Tenant,
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
            d.Id, d.Stage, d.Tenant, d.DocumentId, d.State, d.Replays, d.FailedAt, d.ReplayedAt,
            d.Headers.TryGetValue(Headers.Attempts, out var attempts) && int.TryParse(attempts, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null,
            d.Headers.GetValueOrDefault(Headers.ErrorType),
            d.Headers.GetValueOrDefault(Headers.ErrorMessage),
            d.Headers.GetValueOrDefault(Headers.OriginalTopic),
            d.Topic, d.Partition, d.Offset, parsed, raw);
    }
}

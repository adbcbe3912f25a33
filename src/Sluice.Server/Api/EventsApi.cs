using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Sluice.Core.Ports;
using Sluice.Server.Events;
using Sluice.Server.Security;

namespace Sluice.Server.Api;

/// <summary>
/// Live status streams as server-sent events: one document's changes until it is done, or the caller's tenant's
/// changes for as long as the client listens. Each event's id is its position in the change feed, so a client that
/// reconnects with <c>Last-Event-ID</c> carries on where it stopped, missing nothing and getting nothing twice.
/// </summary>
public static class EventsApi
{
    /// <summary>The header a reconnecting server-sent events client sends with the id of the last event it got.</summary>
    public const string LastEventIdHeader = "Last-Event-ID";

    /// <summary>The events options (validated at start) and the streams the routes serve.</summary>
    public static IServiceCollection AddSluiceEvents(this IServiceCollection services)
    {
        services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StatusEventStreams>();
        return services;
    }

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder routes)
    {
        var reader = SluiceAuthentication.Policy(SluiceRole.Reader);
        routes.MapGet("/v1/documents/{id}/events", DocumentEventsAsync)
            .WithTags("Events")
            .RequireAuthorization(reader)
            .WithSummary("A document's status changes as server-sent events: its status first, then each change, until it is done")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        routes.MapGet("/v1/events", TenantEventsAsync)
            .WithTags("Events")
            .RequireAuthorization(reader)
            .WithSummary("The tenant's status changes as server-sent events, from Last-Event-ID or ?after= (else news only), optionally of ?types= only")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return routes;
    }

    private static async Task<IResult> DocumentEventsAsync(
        string id, HttpContext context, IStatusStore statuses, StatusEventStreams streams, CancellationToken cancellationToken)
    {
        if (!TryPosition(context.Request.Headers[LastEventIdHeader], LastEventIdHeader, out var lastEventId, out var bad))
        {
            return bad;
        }

        // The newest position before the status: every change the status does not show yet comes after it.
        var after = lastEventId ?? await streams.LatestPositionAsync(cancellationToken);
        var status = await statuses.GetAsync(id, cancellationToken);
        if (status is null || status.Document.Tenant != context.GetCaller().Tenant)
        {
            return TypedResults.Problem(statusCode: 404, title: "Document not found", detail: $"No document has the id '{id}'.");
        }

        Unbuffered(context.Response);
        return TypedResults.ServerSentEvents(streams.DocumentAsync(status, after, resumed: lastEventId is not null, context.RequestAborted));
    }

    private static async Task<IResult> TenantEventsAsync(
        HttpContext context, StatusEventStreams streams, string? after, string? types, CancellationToken cancellationToken)
    {
        if (!TryPosition(context.Request.Headers[LastEventIdHeader], LastEventIdHeader, out var lastEventId, out var bad)
            || !TryPosition(after, "after", out var afterQuery, out bad))
        {
            return bad;
        }

        HashSet<string>? wanted = null;
        if (types is not null)
        {
            wanted = [.. types.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
            if (wanted.Count == 0 || !wanted.All(StatusChangeTypes.All.Contains))
            {
                return TypedResults.Problem(
                    statusCode: 400, title: "Bad types",
                    detail: $"types must be a comma-separated list of {string.Join(", ", StatusChangeTypes.All)}.");
            }
        }

        // A reconnecting client's Last-Event-ID wins over the ?after= of the URL it first opened.
        var from = lastEventId ?? afterQuery ?? await streams.LatestPositionAsync(cancellationToken);
        Unbuffered(context.Response);
        return TypedResults.ServerSentEvents(streams.TenantAsync(context.GetCaller().Tenant, from, wanted, context.RequestAborted));
    }

    /// <summary>Parses a feed position (a non-negative integer); absent is null, anything else a 400 problem.</summary>
    private static bool TryPosition(string? value, string name, out long? position, out ProblemHttpResult problem)
    {
        position = null;
        problem = null!;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            position = parsed;
            return true;
        }

        problem = TypedResults.Problem(
            statusCode: 400, title: $"Bad {name}", detail: $"{name} must be the id of an event of this stream (a non-negative integer).");
        return false;
    }

    /// <summary>Asks caches and reverse proxies (nginx buffers by default) to pass each event on as it comes.</summary>
    private static void Unbuffered(HttpResponse response)
    {
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }
}

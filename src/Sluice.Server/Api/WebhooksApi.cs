using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Server.Security;
using Sluice.Server.Webhooks;

namespace Sluice.Server.Api;

/// <summary>A new webhook: where to POST, which changes (all when left out), and the signing secret (generated when left out).</summary>
public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Secret);

/// <summary>A webhook as listed: never its secret.</summary>
public sealed record WebhookResponse(string Id, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt)
{
    public static WebhookResponse From(WebhookSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return new WebhookResponse(subscription.Id, subscription.Url, subscription.Events, subscription.CreatedAt);
    }
}

/// <summary>A created webhook: the only time its secret is shown.</summary>
public sealed record CreatedWebhookResponse(string Id, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt, string Secret);

/// <summary>
/// Webhook subscriptions of the caller's tenant: create, list, read, delete. Deliveries are signed as Standard Webhooks
/// says, with the secret shown once, in the answer to the creation.
/// </summary>
/// <remarks>
/// Every route needs a <c>writer</c>, listing included: a subscription sends the tenant's document changes to a place of
/// its choosing, and its URL is integration configuration (often carrying a token in its query), like dead letters; a
/// <c>reader</c> (a dashboard, a search client) reads documents and searches, and gets <c>403</c> here. Another tenant's
/// webhook answers <c>404</c>, exactly like one that does not exist.
/// </remarks>
public static class WebhooksApi
{
    public static RouteGroupBuilder MapWebhooksApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/webhooks").WithTags("Webhooks").RequireAuthorization(SluiceAuthentication.Policy(SluiceRole.Writer));
        group.MapPost("/", CreateAsync).WithSummary("Subscribe a URL to the tenant's document changes (the signing secret is in this answer only)")
            .Produces<CreatedWebhookResponse>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/", ListAsync).WithSummary("The tenant's webhooks (never their secrets), oldest first");
        group.MapGet("/{id}", GetAsync).WithSummary("One webhook (never its secret)");
        group.MapDelete("/{id}", DeleteAsync).WithSummary("Delete a webhook: deliveries not yet sent are dropped");
        return group;
    }

    private static async Task<IResult> CreateAsync(
        CreateWebhookRequest request, HttpContext context, IWebhookStore store, [FromServices] IStatusChangeFeed feed,
        IOptions<WebhookOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var tenant = context.GetCaller().Tenant;
        var settings = options.Value;
        if (await WebhookUrls.RefusalAsync(request.Url, settings.AllowPrivateNetworks, cancellationToken) is { } refusal)
        {
            return Bad("Invalid url", refusal);
        }

        IReadOnlyList<string> events = StatusChangeTypes.All;
        if (request.Events is { } asked)
        {
            var unknown = asked.Where(e => !StatusChangeTypes.All.Contains(e, StringComparer.Ordinal)).ToList();
            if (asked.Count == 0 || unknown.Count > 0)
            {
                return Bad(
                    "Invalid events",
                    (unknown.Count > 0 ? $"Unknown event type(s): {string.Join(", ", unknown.Select(e => $"'{e}'"))}. " : "events must not be empty. ")
                    + $"Valid types: {string.Join(", ", StatusChangeTypes.All)} (leave events out for all of them).");
            }

            events = [.. StatusChangeTypes.All.Where(t => asked.Contains(t, StringComparer.Ordinal))];
        }

        if (request.Secret is { } given && !WebhookSecrets.IsValid(given))
        {
            return Bad("Invalid secret", $"secret must be {WebhookSecrets.Rule}.");
        }

        if ((await store.ListAsync(tenant, cancellationToken)).Count >= settings.MaxPerTenant)
        {
            return TypedResults.Problem(
                statusCode: 409, title: "Too many webhooks",
                detail: $"A tenant may have at most {settings.MaxPerTenant} webhooks (Sluice:Webhooks:MaxPerTenant); delete one first.");
        }

        // Changes from now on only: the feed's newest position is where this subscription starts.
        var subscription = new WebhookSubscription(
            "wh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), tenant, request.Url!, events,
            request.Secret ?? WebhookSecrets.Generate(), time.GetUtcNow(), await feed.LatestPositionAsync(cancellationToken));
        await store.CreateAsync(subscription, cancellationToken);
        return TypedResults.Created(
            $"/v1/webhooks/{subscription.Id}",
            new CreatedWebhookResponse(subscription.Id, subscription.Url, subscription.Events, subscription.CreatedAt, subscription.Secret));
    }

    private static async Task<IResult> ListAsync(HttpContext context, IWebhookStore store, CancellationToken cancellationToken)
        => TypedResults.Ok((await store.ListAsync(context.GetCaller().Tenant, cancellationToken)).Select(WebhookResponse.From).ToList());

    private static async Task<IResult> GetAsync(string id, HttpContext context, IWebhookStore store, CancellationToken cancellationToken)
        => await store.GetAsync(context.GetCaller().Tenant, id, cancellationToken) is { } subscription
            ? TypedResults.Ok(WebhookResponse.From(subscription))
            : NotFound(id);

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, IWebhookStore store, CancellationToken cancellationToken)
        => await store.DeleteAsync(context.GetCaller().Tenant, id, cancellationToken) ? TypedResults.NoContent() : NotFound(id);

    private static ProblemHttpResult NotFound(string id)
        => TypedResults.Problem(statusCode: 404, title: "No such webhook", detail: $"There is no webhook '{id}'.");

    private static ProblemHttpResult Bad(string title, string detail) => TypedResults.Problem(statusCode: 400, title: title, detail: detail);
}

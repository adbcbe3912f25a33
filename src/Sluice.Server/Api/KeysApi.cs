using Microsoft.AspNetCore.Http.HttpResults;
using Sluice.Core.Ports;
using Sluice.Server.Security;

namespace Sluice.Server.Api;

/// <summary>A new key's request: its tenant (the caller's when left out), role, label and expiry.</summary>
public sealed record CreateKeyRequest(string? Tenant, string Role, string? Name, DateTimeOffset? ExpiresAt);

/// <summary>A key as listed: never its secret.</summary>
public sealed record KeyResponse(string Id, string Tenant, string Role, string? Name, string State, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt)
{
    public static KeyResponse From(ApiKey key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new KeyResponse(key.Id, key.Tenant, key.Role, key.Name, ApiKeys.State(key, now), key.CreatedAt, key.ExpiresAt, key.RevokedAt);
    }
}

/// <summary>A created key: the only time its text is shown.</summary>
public sealed record CreatedKeyResponse(string Key, KeyResponse Details);

/// <summary>API keys for admins: the same as <c>sluice keys</c>, over HTTP.</summary>
public static class KeysApi
{
    public static RouteGroupBuilder MapKeysApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/keys").WithTags("Keys").RequireAuthorization(SluiceAuthentication.Policy(SluiceRole.Admin));
        group.MapPost("/", CreateAsync).WithSummary("Create an API key (its text is in this answer only)")
            .Produces<CreatedKeyResponse>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/", ListAsync).WithSummary("API keys (never their secrets), of every tenant or of ?tenant=");
        group.MapDelete("/{id}", RevokeAsync).WithSummary("Revoke an API key: every API process refuses it within Sluice:Auth:KeyCacheTtl");
        return group;
    }

    private static async Task<IResult> CreateAsync(CreateKeyRequest request, HttpContext context, ApiKeys keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var tenant = request.Tenant ?? context.GetCaller().Tenant;
        if (!Tenants.IsValid(tenant))
        {
            return Bad("Invalid tenant", $"tenant must be {Tenants.Rule}.");
        }

        if (!Roles.TryParse(request.Role, out var role))
        {
            return Bad("Invalid role", "role must be reader, writer or admin.");
        }

        if (request.ExpiresAt is { } expires && expires <= time.GetUtcNow())
        {
            return Bad("Invalid expiry", "expiresAt must be in the future.");
        }

        if (request.Name is { Length: > 200 })
        {
            return Bad("Invalid name", "name must be at most 200 characters.");
        }

        var (key, text) = await keys.CreateAsync(tenant, role, request.Name, request.ExpiresAt, cancellationToken);
        return TypedResults.Created($"/v1/keys/{key.Id}", new CreatedKeyResponse(text, KeyResponse.From(key, time.GetUtcNow())));
    }

    private static async Task<IResult> ListAsync(string? tenant, ApiKeys keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return TypedResults.Ok((await keys.ListAsync(tenant, cancellationToken)).Select(k => KeyResponse.From(k, now)).ToList());
    }

    private static async Task<IResult> RevokeAsync(string id, ApiKeys keys, CancellationToken cancellationToken)
        => await keys.RevokeAsync(id, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: 404, title: "No such key", detail: $"There is no API key '{id}'.");

    private static ProblemHttpResult Bad(string title, string detail) => TypedResults.Problem(statusCode: 400, title: title, detail: detail);
}

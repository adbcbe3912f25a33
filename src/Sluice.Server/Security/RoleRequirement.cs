namespace Sluice.Server.Security;

/// <summary>
/// The least role a route needs, checked on the request's <see cref="Caller"/> (<see cref="CallerHttpContextExtensions.GetCaller"/>)
/// before the handler runs: a caller below it gets <c>403</c> as problem+json, and the handler never runs.
/// </summary>
/// <remarks>
/// An endpoint filter rather than an authorization policy so that it works while authentication is not wired in (the
/// caller then falls back to the tenant header with every right); once policies exist per route group, each use maps
/// one to one onto a role policy. What a role may see inside a route (a writer its own tenant's data only) stays with
/// the handler: this checks the role, never the tenant.
/// </remarks>
public static class RoleRequirement
{
    /// <summary>Refuses callers below <paramref name="role"/> on these routes with <c>403</c>.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, SluiceRole role)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var name = Roles.Name(role);
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.GetCaller().IsAtLeast(role)
                ? await next(context)
                : TypedResults.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Forbidden",
                    detail: $"This needs the '{name}' role or a higher one."));
        return builder;
    }
}

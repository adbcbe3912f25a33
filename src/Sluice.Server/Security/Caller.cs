using System.Security.Claims;

namespace Sluice.Server.Security;

/// <summary>Who is calling: the tenant whose data the request may touch, and the caller's role there.</summary>
/// <param name="Tenant">The caller's tenant, from its identity (an API key or a token's claim), never from a header.</param>
/// <param name="Role">What the caller may do.</param>
public sealed record Caller(string Tenant, SluiceRole Role)
{
    /// <summary>The claim that carries the tenant in Sluice's own principals.</summary>
    public const string TenantClaim = "sluice_tenant";

    /// <summary>The claim that carries the role (<c>reader</c>, <c>writer</c> or <c>admin</c>) in Sluice's own principals.</summary>
    public const string RoleClaim = "sluice_role";

    public bool IsAtLeast(SluiceRole role) => Role >= role;

    /// <summary>The caller of an authenticated principal, or null when it carries no valid tenant and role.</summary>
    public static Caller? From(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var tenant = principal.FindFirst(TenantClaim)?.Value;
        var role = principal.FindFirst(RoleClaim)?.Value;
        return tenant is not null && Tenants.IsValid(tenant) && Roles.TryParse(role, out var parsed) ? new Caller(tenant, parsed) : null;
    }
}

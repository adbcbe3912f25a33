using Microsoft.AspNetCore.Authorization;

namespace Sluice.Server.Security;

/// <summary>
/// A route group's rule: an authenticated caller with at least <see cref="Minimum"/>, and no <c>X-Sluice-Tenant</c>
/// header naming another tenant than the caller's (the tenant comes from the identity; a header may only repeat it).
/// </summary>
public sealed class TenantRoleRequirement(SluiceRole minimum) : AuthorizationHandler<TenantRoleRequirement>, IAuthorizationRequirement
{
    public const string TenantHeader = "X-Sluice-Tenant";

    public SluiceRole Minimum { get; } = minimum;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, TenantRoleRequirement requirement)
    {
        if (Caller.From(context.User) is not { } caller)
        {
            return Task.CompletedTask;
        }

        var header = (context.Resource as HttpContext)?.Request.Headers[TenantHeader].ToString();
        if (!string.IsNullOrEmpty(header) && !string.Equals(header, caller.Tenant, StringComparison.Ordinal))
        {
            context.Fail(new AuthorizationFailureReason(this,
                $"{TenantHeader} names another tenant than your credentials' ('{caller.Tenant}'): the tenant comes from the credentials; leave the header out."));
        }
        else if (!caller.IsAtLeast(requirement.Minimum))
        {
            context.Fail(new AuthorizationFailureReason(this,
                $"This needs the {Roles.Name(requirement.Minimum)} role; your credentials have {Roles.Name(caller.Role)}."));
        }
        else
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Sluice.Server.Security;

public static class SecurityServiceCollectionExtensions
{
    /// <summary>
    /// Authentication (API keys, JWT bearer tokens, the open mode of a fresh install) and one authorization policy per
    /// role, which route groups require.
    /// </summary>
    public static IServiceCollection AddSluiceSecurity(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ApiKeys>();
        // First of all hosted services: a refusal stops the process before any stage starts.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, AccessModeCheck>());
        services.AddAuthentication(SluiceAuthentication.Scheme)
            .AddScheme<AuthenticationSchemeOptions, SluiceAuthenticationHandler>(SluiceAuthentication.Scheme, null)
            .AddJwtBearer(SluiceAuthentication.JwtScheme);
        services.AddOptions<JwtBearerOptions>(SluiceAuthentication.JwtScheme)
            .Configure<IOptions<AuthOptions>>((bearer, auth) => JwtCallerMapping.Configure(bearer, auth.Value.Jwt));
        services.AddAuthorization(o =>
        {
            foreach (var role in Enum.GetValues<SluiceRole>())
            {
                o.AddPolicy(SluiceAuthentication.Policy(role), p => p
                    .AddAuthenticationSchemes(SluiceAuthentication.Scheme)
                    .RequireAuthenticatedUser()
                    .AddRequirements(new TenantRoleRequirement(role)));
            }
        });
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        return services;
    }
}

using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Security;

namespace Sluice.Server.Tests;

/// <summary>
/// Stands in for authentication in tests: a request's <c>X-Test-Caller: tenant/role</c> header becomes a principal with
/// Sluice's tenant and role claims, which is what <see cref="CallerHttpContextExtensions.GetCaller"/> reads once a real
/// scheme authenticated the request. Requests without the header keep the host's own behaviour.
/// </summary>
internal static class TestCallers
{
    public const string Header = "X-Test-Caller";

    public static void Add(IServiceCollection services) => services.AddSingleton<IStartupFilter, Filter>();

    /// <summary>A request to <paramref name="path"/> made as <paramref name="tenant"/>'s <paramref name="role"/>.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string path, string tenant, SluiceRole role)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Add(Header, $"{tenant}/{Roles.Name(role)}");
        return request;
    }

    private sealed class Filter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, proceed) =>
            {
                if (context.Request.Headers[Header].ToString().Split('/') is [var tenant, var role])
                {
                    context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(Caller.TenantClaim, tenant), new Claim(Caller.RoleClaim, role)], "test"));
                }

                return proceed(context);
            });
            next(app);
        };
    }
}

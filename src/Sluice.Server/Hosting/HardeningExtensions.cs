using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Sluice.Server.Security;

namespace Sluice.Server.Hosting;

/// <summary>
/// What an API on a network needs besides authentication: forwarded headers from known proxies only, CORS for listed
/// origins only, security headers, HSTS on HTTPS, and a small request body limit outside the upload.
/// <c>AllowedHosts</c> is ASP.NET Core's own host filtering, which the web host installs first in the pipeline.
/// </summary>
public static class HardeningExtensions
{
    /// <summary>The settings (each validated at start) and the services the middleware of <see cref="UseSluiceHardening"/> needs.</summary>
    public static IServiceCollection AddSluiceHardening(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersSettings>().BindConfiguration(ForwardedHeadersSettings.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ForwardedHeadersSettings>, ForwardedHeadersSettings.Validator>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((o, s) => s.Value.Apply(o));

        services.AddOptions<CorsSettings>().BindConfiguration(CorsSettings.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CorsSettings>, CorsSettings.Validator>();
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<CorsSettings>>((o, s) =>
        {
            if (s.Value.Enabled)
            {
                o.AddDefaultPolicy(s.Value.Policy());
            }
        });

        services.AddOptions<HstsSettings>().BindConfiguration(HstsSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHsts(_ => { });
        services.AddOptions<Microsoft.AspNetCore.HttpsPolicy.HstsOptions>().Configure<IOptions<HstsSettings>>((o, s) =>
        {
            o.MaxAge = s.Value.MaxAge;
            o.IncludeSubDomains = s.Value.IncludeSubDomains;
        });

        services.AddOptions<RequestLimits>().BindConfiguration(RequestLimits.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestLimits>>((o, s) => o.Limits.MaxRequestBodySize = s.Value.MaxRequestBodyBytes);
        return services;
    }

    /// <summary>The hardening middleware, in order: before the exception handler, so that error responses carry it too.</summary>
    public static WebApplication UseSluiceHardening(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }

        app.UseSecurityHeaders();
        if (app.Services.GetRequiredService<IOptions<HstsSettings>>().Value.MaxAge > TimeSpan.Zero)
        {
            app.UseHsts();
        }

        if (app.Services.GetRequiredService<IOptions<CorsSettings>>().Value.Enabled)
        {
            app.UseCors();
        }

        return app;
    }
}

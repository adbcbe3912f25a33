using Microsoft.Net.Http.Headers;

namespace Sluice.Server.Security;

/// <summary>
/// Headers every response carries: the API serves JSON to programs, so nothing it returns may be sniffed into
/// something else, framed, leak its address as a referrer, or be kept by a cache (responses carry tenant data, and a
/// cached readiness answer would be stale). An endpoint that sets its own <c>Cache-Control</c> keeps it.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpResponse)state).Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers["Referrer-Policy"] = "no-referrer";
                if (!headers.ContainsKey(HeaderNames.CacheControl))
                {
                    headers.CacheControl = "no-store";
                }

                return Task.CompletedTask;
            }, context.Response);
            return next(context);
        });
    }
}

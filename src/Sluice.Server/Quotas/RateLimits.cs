using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Sluice.Server.Security;

namespace Sluice.Server.Quotas;

/// <summary>
/// Rate limits per tenant (ASP.NET Core rate limiting): a token bucket per tenant for uploads and another for searches,
/// so one tenant's flood never spends another's requests. Over the limit, a request is refused at once (nothing waits
/// in a queue) with <c>429</c>, <c>Retry-After</c> and a problem naming the limit and the setting that raises it.
/// </summary>
public static class RateLimits
{
    /// <summary>The policy of <c>POST /v1/documents</c>.</summary>
    public const string Uploads = "sluice-uploads";

    /// <summary>The policy of <c>GET /v1/search</c>.</summary>
    public const string Searches = "sluice-searches";

    /// <summary>
    /// Registers the two policies. The tenant is the caller's (<see cref="CallerHttpContextExtensions.GetCaller"/>), so
    /// <c>UseRateLimiter</c> must run after authentication.
    /// </summary>
    public static IServiceCollection AddSluiceRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(Uploads, context => Partition(context, l => (l.UploadsPerSecond, l.UploadBurst)));
            o.AddPolicy(Searches, context => Partition(context, l => (l.SearchesPerSecond, l.SearchBurst)));
            o.OnRejected = RejectAsync;
        });
        return services;
    }

    /// <summary>The tenant's bucket for one kind of request, or no limit when its rate is 0.</summary>
    private static RateLimitPartition<string> Partition(HttpContext context, Func<TenantLimits, (double PerSecond, int Burst)> pick)
    {
        var tenant = context.GetCaller().Tenant;
        var (perSecond, burst) = pick(context.RequestServices.GetRequiredService<IOptions<QuotaOptions>>().Value.For(tenant));
        if (perSecond <= 0)
        {
            return RateLimitPartition.GetNoLimiter(tenant);
        }

        // Whole tokens per period: a rate of 0.2/s is one token every 5 s, 2.5/s three tokens every 1.2 s.
        var tokens = Math.Max(1, (int)Math.Round(perSecond));
        return RateLimitPartition.GetTokenBucketLimiter(tenant, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = Math.Min(tokens, burst),
            ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Min(tokens, burst) / perSecond),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);

        var caller = http.GetCaller();
        var limits = http.RequestServices.GetRequiredService<IOptions<QuotaOptions>>().Value.For(caller.Tenant);
        var searching = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == Searches;
        var (what, rate, burst, setting) = searching
            ? ("searches", limits.SearchesPerSecond, limits.SearchBurst, nameof(TenantQuota.SearchesPerSecond))
            : ("uploads", limits.UploadsPerSecond, limits.UploadBurst, nameof(TenantQuota.UploadsPerSecond));
        var who = Tenants.IsValid(caller.Tenant) ? $"Tenant '{caller.Tenant}'" : "This tenant";
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Title = "Too many requests",
            Detail = string.Create(CultureInfo.InvariantCulture,
                $"{who} may start {rate:0.###} {what} per second (bursts of {burst}) and is over that limit. " +
                $"Retry after {seconds} s, or raise {limits.SettingKey(setting)}."),
        };
        await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }
}

using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sluice.Server.Hosting;

namespace Sluice.Server.Api;

/// <summary>
/// <c>/healthz</c>: liveness, answered as soon as the process listens and as long as it can answer at all.
/// <c>/readyz</c>: readiness, 200 or 503 with every check's status and reason as JSON (no exception text).
/// </summary>
public static class HealthApi
{
    /// <summary>Tag of the checks <c>/readyz</c> runs.</summary>
    public const string ReadinessTag = "ready";

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The readiness checks: topics provisioned (the event log was reached), the status store answers, no component
    /// reports a problem to <see cref="Core.Health.ReadinessSignals"/>, and enough free disk under the data directory.
    /// </summary>
    public static IServiceCollection AddSluiceReadinessChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<TopicsHealthCheck>(TopicsHealthCheck.Name, tags: [ReadinessTag])
            .AddCheck<StatusStoreHealthCheck>(StatusStoreHealthCheck.Name, tags: [ReadinessTag], timeout: CheckTimeout)
            .AddCheck<StoresHealthCheck>(StoresHealthCheck.Name, tags: [ReadinessTag], timeout: CheckTimeout)
            .AddCheck<ReadinessSignalsHealthCheck>(ReadinessSignalsHealthCheck.Name, tags: [ReadinessTag])
            .AddCheck<DiskSpaceHealthCheck>(DiskSpaceHealthCheck.Name, tags: [ReadinessTag]);
        return services;
    }

    public static void MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).WithTags("Health").WithSummary("Liveness");
        routes.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadinessTag),
            ResponseWriter = WriteReportAsync,
        });
    }

    /// <summary>
    /// <c>{"status":"unhealthy","checks":[{"name":"topics","status":"unhealthy","reason":"…","data":{…}},…]}</c>.
    /// A check that threw gets a fixed reason: the exception's message stays in the log.
    /// </summary>
    private static async Task WriteReportAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", Lower(report.Status));
        json.WriteStartArray("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("status", Lower(entry.Status));
            json.WriteString("reason", entry.Exception switch
            {
                null => entry.Description,
                OperationCanceledException => "The check did not finish in time.",
                _ => "The check failed; see the log.",
            });
            if (entry.Exception is null && entry.Data.Count > 0)
            {
                json.WriteStartObject("data");
                foreach (var (key, value) in entry.Data)
                {
                    switch (value)
                    {
                        case long number:
                            json.WriteNumber(key, number);
                            break;
                        case int number:
                            json.WriteNumber(key, number);
                            break;
                        default:
                            json.WriteString(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                            break;
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    private static string Lower(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}

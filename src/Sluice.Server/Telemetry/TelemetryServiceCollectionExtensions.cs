using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Sluice.Core.Runtime;

namespace Sluice.Server.Telemetry;

/// <summary>Exports Sluice's meters (and ASP.NET Core's) for Prometheus to scrape from the API process.</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The meters exported: Sluice's own, then ASP.NET Core's request and connection meters.</summary>
    internal static readonly string[] Meters =
    [
        IngestionMetrics.MeterName,
        PipelineMetrics.MeterName,
        OperationsMetrics.MeterName,
        "Sluice.Runtime",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.RateLimiting",
    ];

    /// <summary>
    /// A meter provider over <see cref="Meters"/> with the Prometheus exporter, unless
    /// <c>Sluice:Telemetry:Prometheus</c> is false.
    /// </summary>
    public static IServiceCollection AddSluiceMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        if (options.Prometheus)
        {
            services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(Meters).AddPrometheusExporter());
        }

        return services;
    }

    /// <summary>
    /// Maps the scrape endpoint (<c>Sluice:Telemetry:MetricsPath</c>, <c>/metrics</c> by default) without
    /// authentication: Prometheus scrapes with no API key, and the page holds no tenant's data.
    /// </summary>
    public static IEndpointRouteBuilder MapSluiceMetrics(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var options = routes.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (options.Prometheus)
        {
            routes.MapPrometheusScrapingEndpoint(options.MetricsPath).AllowAnonymous().WithTags("Telemetry");
        }

        return routes;
    }
}

using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Sluice.Core.Runtime;
using Sluice.Processing;

namespace Sluice.Server.Telemetry;

/// <summary>Exports Sluice's meters (and ASP.NET Core's) for Prometheus to scrape, and by OTLP when asked, from every host.</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The meters exported: Sluice's own, then ASP.NET Core's request and connection meters.</summary>
    internal static readonly string[] Meters =
    [
        IngestionMetrics.MeterName,
        PipelineMetrics.MeterName,
        OperationsMetrics.MeterName,
        ProviderMetrics.MeterName,
        "Sluice.Runtime",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.RateLimiting",
    ];

    /// <summary>
    /// A meter provider over <see cref="Meters"/>, for the API process and for worker processes alike: with the
    /// Prometheus exporter unless <c>Sluice:Telemetry:Prometheus</c> is false (a host that serves HTTP maps the scrape
    /// endpoint with <see cref="MapSluiceMetrics"/>), and with the OTLP exporter (a periodic reader, every
    /// <c>OTEL_METRIC_EXPORT_INTERVAL</c> ms, 60 s by default) when OTLP is configured: <c>Sluice:Telemetry:OtlpMetrics</c>,
    /// or the endpoint traces go to (<c>Sluice:Telemetry:OtlpEndpoint</c>, <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>), or
    /// <c>OTEL_EXPORTER_OTLP_METRICS_ENDPOINT</c>.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration (<c>Sluice:Telemetry</c> and the standard <c>OTEL_*</c> variables).</param>
    /// <param name="role"><c>api</c> or <c>worker</c>: the default <c>service.name</c>'s suffix, as for traces.</param>
    public static IServiceCollection AddSluiceMetrics(this IServiceCollection services, IConfiguration configuration, string role = "api")
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        var tracing = configuration.GetSection(TracingOptions.Section).Get<TracingOptions>() ?? new TracingOptions();
        var otlp = options.OtlpMetrics
                   ?? (tracing.OtlpEndpoint is not null
                       || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
                       || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]));
        if (!options.Prometheus && !otlp)
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r => TracingServiceCollectionExtensions.DescribeService(r, configuration, tracing, role))
            .WithMetrics(metrics =>
        {
            metrics.AddMeter(Meters);
            if (options.Prometheus)
            {
                metrics.AddPrometheusExporter();
            }

            if (otlp && tracing.OtlpEndpoint is { } endpoint)
            {
                metrics.AddOtlpExporter(o => o.Endpoint = TracingServiceCollectionExtensions.SignalEndpoint(endpoint, o.Protocol, "v1/metrics"));
            }
            else if (otlp)
            {
                metrics.AddOtlpExporter();
            }
        });
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

using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Sluice.Core.Runtime;

namespace Sluice.Server.Telemetry;

public static class TracingServiceCollectionExtensions
{
    /// <summary>
    /// One trace per document, across processes: the API's request span, and each stage's handling of each record
    /// (the pipeline's <see cref="EventRecords.ActivitySource"/>, parented by the <c>traceparent</c> every event
    /// carries), plus outgoing HTTP calls (model servers, S3). Registered only when tracing is asked for (see
    /// <see cref="TracingOptions"/>), so that off it costs nothing.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration (<c>Sluice:Telemetry</c> and the standard <c>OTEL_*</c> variables).</param>
    /// <param name="role"><c>api</c> or <c>worker</c>: the default service name's suffix.</param>
    public static IServiceCollection AddSluiceTracing(this IServiceCollection services, IConfiguration configuration, string role)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(TracingOptions.Section).Get<TracingOptions>() ?? new TracingOptions();
        var standardEndpoint = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
                               || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);
        if (!options.Tracing && options.OtlpEndpoint is null && !standardEndpoint)
        {
            return services;
        }

        services.AddOptions<TracingOptions>().BindConfiguration(TracingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(
                configuration["OTEL_SERVICE_NAME"] ?? options.ServiceName ?? $"sluice-{role}", serviceVersion: typeof(SluiceApp).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing =>
            {
                tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SampleRatio)))
                    .AddSource(EventRecords.ActivitySource.Name)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                    .AddHttpClientInstrumentation();
                if (options.OtlpEndpoint is { } endpoint)
                {
                    tracing.AddOtlpExporter(o => o.Endpoint = endpoint);
                }
                else if (standardEndpoint)
                {
                    tracing.AddOtlpExporter();
                }
            });
        return services;
    }

    /// <summary>Health probes and scrapes are not traced: they would drown the documents' traces.</summary>
    private static bool IsProbe(PathString path)
        => path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");
}

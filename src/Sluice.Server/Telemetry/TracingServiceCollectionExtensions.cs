using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using Sluice.Processing;
using Sluice.Server.Hosting;

namespace Sluice.Server.Telemetry;

public static class TracingServiceCollectionExtensions
{
    /// <summary>
    /// One trace per document, across processes: the API's request span, and each stage's handling of each record
    /// (the pipeline's <see cref="EventRecords.ActivitySource"/>, parented by the <c>traceparent</c> every event
    /// carries) and each record it sends, the calls to AI models (<see cref="ProviderTracing"/>), blob and search-index
    /// calls (<see cref="StorageTracing"/>, whose wrappers are added here), plus outgoing HTTP calls (model servers,
    /// S3). Registered only when tracing is asked for (see <see cref="TracingOptions"/>), so that off it costs nothing.
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

        var sluice = configuration.GetSection(SluiceOptions.Section).Get<SluiceOptions>() ?? new SluiceOptions();
        services.Decorate<IBlobStore>((_, inner) => new TracedBlobStore(inner, sluice.Blobs));
        if (services.Any(d => d.ServiceType == typeof(ISearchIndex) && !d.IsKeyedService))
        {
            services.Decorate<ISearchIndex>((_, inner) => new TracedSearchIndex(inner, sluice.Stores));
        }

        services.AddOptions<TracingOptions>().BindConfiguration(TracingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOpenTelemetry()
            .ConfigureResource(r => DescribeService(r, configuration, options, role))
            .WithTracing(tracing =>
            {
                tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SampleRatio)))
                    .AddSource(EventRecords.ActivitySource.Name, ProviderTracing.SourceName, StorageTracing.SourceName)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                    .AddHttpClientInstrumentation();
                if (options.OtlpEndpoint is { } endpoint)
                {
                    tracing.AddOtlpExporter(o => o.Endpoint = SignalEndpoint(endpoint, o.Protocol, "v1/traces"));
                }
                else if (standardEndpoint)
                {
                    tracing.AddOtlpExporter();
                }
            });
        return services;
    }

    /// <summary>
    /// The process's <c>service.name</c> (<c>OTEL_SERVICE_NAME</c>, else <c>Sluice:Telemetry:ServiceName</c>, else
    /// <c>sluice-api</c> or <c>sluice-worker</c>) and version, once per builder: traces and metrics share the resource.
    /// </summary>
    internal static void DescribeService(ResourceBuilder resource, IConfiguration configuration, TracingOptions options, string role)
    {
        resource.AddService(
            configuration["OTEL_SERVICE_NAME"] ?? options.ServiceName ?? $"sluice-{role}", serviceVersion: typeof(SluiceApp).Assembly.GetName().Version?.ToString());
    }

    /// <summary>
    /// The endpoint of one signal: over HTTP/protobuf, an endpoint given as a bare base address (<c>http://collector:4318</c>)
    /// gets the signal's path, as the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> does; a full path is kept as it is.
    /// </summary>
    internal static Uri SignalEndpoint(Uri endpoint, OtlpExportProtocol protocol, string path)
        => protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath == "/" ? new Uri(endpoint, path) : endpoint;

    /// <summary>Health probes and scrapes are not traced: they would drown the documents' traces.</summary>
    private static bool IsProbe(PathString path)
        => path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");
}

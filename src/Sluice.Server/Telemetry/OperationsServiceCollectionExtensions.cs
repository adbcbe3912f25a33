namespace Sluice.Server.Telemetry;

public static class OperationsServiceCollectionExtensions
{
    /// <summary>
    /// The pipeline sampler (one background loop every <c>Sluice:Telemetry:LagInterval</c>) and the gauges of meter
    /// <c>Sluice.Operations</c> that read its samples: for the API process, which serves <c>/v1/pipeline</c>, the
    /// completion estimates and the scrape endpoint.
    /// </summary>
    public static IServiceCollection AddSluiceOperations(this IServiceCollection services)
    {
        services.AddOptions<LagOptions>().BindConfiguration(LagOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PipelineSampler>();
        services.AddSingleton<OperationsMetrics>();
        services.AddHostedService(sp =>
        {
            // The gauges exist from the start, so a scrape shows them as soon as the first sample is in.
            sp.GetRequiredService<OperationsMetrics>();
            return sp.GetRequiredService<PipelineSampler>();
        });
        return services;
    }
}

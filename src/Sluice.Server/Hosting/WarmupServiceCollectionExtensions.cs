namespace Sluice.Server.Hosting;

public static class WarmupServiceCollectionExtensions
{
    /// <summary>The API process's warm-up before it reports ready (<see cref="StartupWarmup"/>, <c>Sluice:Warmup</c>).</summary>
    public static IServiceCollection AddSluiceWarmup(this IServiceCollection services)
    {
        services.AddOptions<WarmupOptions>().BindConfiguration(WarmupOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StartupWarmup>();
        services.AddHostedService(sp => sp.GetRequiredService<StartupWarmup>());
        return services;
    }
}

using Sluice.Server.Ingestion;

namespace Sluice.Server.Maintenance;

public static class HousekeepingServiceCollectionExtensions
{
    /// <summary>
    /// The API process's housekeeping: the <see cref="AcceptedRedrive"/> (documents accepted but never published)
    /// and the <see cref="StatusRetention"/> (the status store's bookkeeping).
    /// </summary>
    public static IServiceCollection AddSluiceHousekeeping(this IServiceCollection services)
    {
        services.AddOptions<RedriveOptions>().BindConfiguration(RedriveOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AcceptedRedrive>();
        services.AddHostedService(sp => sp.GetRequiredService<AcceptedRedrive>());
        services.AddSingleton<StatusRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusRetention>());
        return services;
    }
}

namespace Sluice.Server.Quotas;

public static class QuotaServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="QuotaOptions"/> from <c>Sluice:Quotas</c> (validated at start-up) and the <see cref="StorageQuota"/>
    /// that ingestion checks; the rate limits are the API host's (<see cref="RateLimits.AddSluiceRateLimits"/>).
    /// </summary>
    public static IServiceCollection AddSluiceStorageQuotas(this IServiceCollection services)
    {
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StorageQuota>();
        return services;
    }
}

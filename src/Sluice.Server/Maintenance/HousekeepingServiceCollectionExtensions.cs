using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Core.Search;
using Sluice.Processing;
using Sluice.Server.Ingestion;

namespace Sluice.Server.Maintenance;

public static class HousekeepingServiceCollectionExtensions
{
    /// <summary>
    /// The API process's housekeeping: the <see cref="AcceptedRedrive"/> (documents accepted but never published)
    /// and the <see cref="StatusRetention"/> (the status store's bookkeeping), and <see cref="Reembedding"/> (vectors
    /// of another embedder, after a change of model or precision).
    /// </summary>
    public static IServiceCollection AddSluiceHousekeeping(this IServiceCollection services)
    {
        services.AddOptions<RedriveOptions>().BindConfiguration(RedriveOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AcceptedRedrive>();
        services.AddHostedService(sp => sp.GetRequiredService<AcceptedRedrive>());
        services.AddSingleton<StatusRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusRetention>());
        services.AddOptions<ReembedOptions>().BindConfiguration(ReembedOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new Reembedding(
            sp.GetRequiredService<IVectorMigration>(),
            () => sp.GetRequiredService<CoalescingEmbedder>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<Reembedding>>())
        {
            Enabled = sp.GetRequiredService<IOptions<ReembedOptions>>().Value.Enabled,
            StartDelay = sp.GetRequiredService<IOptions<ReembedOptions>>().Value.StartDelay,
            Interval = sp.GetRequiredService<IOptions<ReembedOptions>>().Value.Interval,
        });
        services.AddHostedService(sp => sp.GetRequiredService<Reembedding>());
        return services;
    }
}

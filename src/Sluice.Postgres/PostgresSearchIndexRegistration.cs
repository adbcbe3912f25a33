using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sluice.Core.Ports;

namespace Sluice.Postgres;

internal static class PostgresSearchIndexRegistration
{
    /// <summary>The search index and its settings (<c>Sluice:Postgres:Search</c>).</summary>
    public static IServiceCollection AddPostgresSearchIndex(this IServiceCollection services)
    {
        services.AddOptions<PostgresSearchIndexOptions>()
            .BindConfiguration(PostgresSearchIndexOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<PostgresSearchIndex>();
        services.TryAddSingleton<ISearchIndex>(sp => sp.GetRequiredService<PostgresSearchIndex>());
        services.TryAddSingleton<IVectorMigration>(sp => sp.GetRequiredService<PostgresSearchIndex>());
        return services;
    }
}

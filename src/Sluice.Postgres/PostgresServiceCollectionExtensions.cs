using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Postgres;

public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// The PostgreSQL stores, configured under <c>Sluice:Postgres</c>: one pooled data source for the process, the schema
    /// migrated on first use. <paramref name="pipelineStages"/> are the stages a document must pass to be completed.
    /// </summary>
    public static IServiceCollection AddSluicePostgres(this IServiceCollection services, IReadOnlyList<string> pipelineStages)
    {
        ArgumentNullException.ThrowIfNull(pipelineStages);
        services.AddOptions<PostgresOptions>()
            .BindConfiguration(PostgresOptions.Section)
            .Configure(o => o.PipelineStages = [.. pipelineStages])
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<PostgresDatabase>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StatusChangeSignal>();
        services.AddSingleton<PostgresStatusStore>();
        services.AddSingleton<IStatusStore>(sp => sp.GetRequiredService<PostgresStatusStore>());
        services.AddSingleton<IStatusChangeFeed>(sp => sp.GetRequiredService<PostgresStatusStore>());
        services.AddSingleton<IDeadLetterStore, PostgresDeadLetterStore>();
        services.AddSingleton<ISummaryStore, PostgresSummaryStore>();
        services.AddSingleton<ILlmSummaryCache, PostgresLlmSummaryCache>();
        services.AddSingleton<IApiKeyStore, PostgresApiKeyStore>();
        services.AddSingleton<IWebhookStore, PostgresWebhookStore>();

        // Crash-loop protection shared by every host: a record that killed a worker is recognised on any other.
        services.AddSingleton<IAttemptJournal, PostgresAttemptJournal>();
        services.AddSingleton<IStoreErrorClassifier, PostgresErrorClassifier>();
        services.AddSingleton<IChunkStore, PostgresChunkStore>();
        services.AddPostgresSearchIndex();
        return services;
    }
}

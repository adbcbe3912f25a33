using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sluice.Core.Deletion;
using Sluice.Core.Events;
using Sluice.Core.Health;
using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Embedded;

/// <summary>
/// How the embedded adapters register themselves, each on its own so that a host can mix them with others: file blobs
/// with PostgreSQL stores, SQLite stores with Kafka, and so on. Everything lives under one data directory, which several
/// processes on one machine may share. Each call registers the ports it implements and validates its options at start.
/// </summary>
public static class EmbeddedServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="IBlobStore"/> as content-addressed files under <c><paramref name="dataDirectory"/>/blobs</c>.
    /// <paramref name="settings"/> (optional) binds the rest of <see cref="FileBlobStoreOptions"/> (temp-file sweeping).
    /// </summary>
    public static IServiceCollection AddSluiceFileBlobs(this IServiceCollection services, string dataDirectory, IConfiguration? settings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        var options = services.AddOptions<FileBlobStoreOptions>();
        if (settings is not null)
        {
            options.Bind(settings);
        }

        options.Configure(o => o.Root = Path.Combine(dataDirectory, "blobs")).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IBlobStore, FileBlobStore>();
        return services;
    }

    /// <summary>
    /// The embedded stores, one SQLite file each under <paramref name="dataDirectory"/>: <see cref="IStatusStore"/>
    /// (<c>status.db</c>, folding the pipeline of <see cref="StageCatalog"/>, and its change feed <see cref="IStatusChangeFeed"/>), <see cref="IChunkStore"/>,
    /// <see cref="ISummaryStore"/>, <see cref="IDeadLetterStore"/>, <see cref="IApiKeyStore"/> and <see cref="IWebhookStore"/> (in <c>status.db</c>), <see cref="ISearchIndex"/>, the
    /// <see cref="ILlmSummaryCache"/>, and an <see cref="IDeletedDataEraser"/> that rewrites the files after deletions (unless
    /// <paramref name="vacuumAfterDeletes"/> is off). Their failures are classified by <see cref="SqliteErrorClassifier"/>.
    /// </summary>
    public static IServiceCollection AddSluiceSqliteStores(this IServiceCollection services, string dataDirectory, bool vacuumAfterDeletes = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        services.AddOptions<SqliteStoreOptions>()
            .Configure(o =>
            {
                o.StatusPath = Path.Combine(dataDirectory, "status.db");
                o.ChunksPath = Path.Combine(dataDirectory, "chunks.db");
                o.SummariesPath = Path.Combine(dataDirectory, "summaries.db");
                o.DeadLettersPath = Path.Combine(dataDirectory, "dead-letters.db");
                o.AttemptsPath = Path.Combine(dataDirectory, "attempts.db");
                o.PipelineStages = [.. StageCatalog.PipelineNames];
                o.VacuumAfterDeletes = vacuumAfterDeletes;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<SqliteSearchIndexOptions>()
            .Configure(o => o.Path = Path.Combine(dataDirectory, "search.db"))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton<StatusChangeSignal>();
        services.AddSingleton<SqliteStatusStore>();
        services.AddSingleton<IStatusStore>(sp => sp.GetRequiredService<SqliteStatusStore>());
        services.AddSingleton<IStatusChangeFeed>(sp => sp.GetRequiredService<SqliteStatusStore>());
        services.AddSingleton<IChunkStore, SqliteChunkStore>();
        services.AddSingleton<ISummaryStore, SqliteSummaryStore>();
        services.AddSingleton<IDeadLetterStore, SqliteDeadLetterStore>();
        services.AddSingleton<IApiKeyStore, SqliteApiKeyStore>();
        services.AddSingleton<IWebhookStore, SqliteWebhookStore>();
        services.AddSingleton<SqliteSearchIndex>();
        services.AddSingleton<ISearchIndex>(sp => sp.GetRequiredService<SqliteSearchIndex>());
        services.AddSingleton<IVectorMigration>(sp => sp.GetRequiredService<SqliteSearchIndex>());
        services.AddSingleton<ILlmSummaryCache>(_ => new SqliteLlmSummaryCache(Path.Combine(dataDirectory, "llm-cache.db")));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeletedDataEraser, SqliteDataEraser>());
        AddErrorClassifier(services);
        return services;
    }

    /// <summary>
    /// <see cref="IAttemptJournal"/> in <c><paramref name="dataDirectory"/>/attempts.db</c>. Per machine by design, whatever
    /// the other stores are: it tells a dead process's starts from a live one's by process ids of this machine.
    /// </summary>
    public static IServiceCollection AddSluiceSqliteAttemptJournal(this IServiceCollection services, string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        services.AddSingleton<IAttemptJournal>(sp => new SqliteAttemptJournal(
            Options.Create(new SqliteStoreOptions { AttemptsPath = Path.Combine(dataDirectory, "attempts.db") }), sp.GetService<TimeProvider>()));
        AddErrorClassifier(services);
        return services;
    }

    /// <summary>
    /// <see cref="IEventLog"/> as the embedded SQLite log (<c><paramref name="dataDirectory"/>/log.db</c>), with
    /// <paramref name="partitions"/> partitions per topic it creates; <paramref name="settings"/> (optional) binds the
    /// rest of <see cref="SqliteEventLogOptions"/> (retention and its hard cap). A record the hard cap deletes unread is
    /// reported to <see cref="ReadinessSignals"/> (<see cref="RetentionLossReporting"/>).
    /// </summary>
    public static IServiceCollection AddSluiceSqliteEventLog(
        this IServiceCollection services, string dataDirectory, int partitions, IConfiguration? settings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        var options = services.AddOptions<SqliteEventLogOptions>();
        if (settings is not null)
        {
            options.Bind(settings);
        }

        options.Configure(o =>
            {
                o.Path = Path.Combine(dataDirectory, "log.db");
                o.DefaultPartitions = partitions;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<ReadinessSignals>();
        services.AddSingleton(sp => RetentionLossReporting.Wire(
            new SqliteEventLog(
                sp.GetRequiredService<IOptions<SqliteEventLogOptions>>(),
                sp.GetRequiredService<ILogger<SqliteEventLog>>(),
                sp.GetService<TimeProvider>()),
            sp.GetRequiredService<ReadinessSignals>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IEventLog>(sp => sp.GetRequiredService<SqliteEventLog>());
        AddErrorClassifier(services);
        return services;
    }

    private static void AddErrorClassifier(IServiceCollection services)
        => services.TryAddEnumerable(ServiceDescriptor.Singleton<IStoreErrorClassifier, SqliteErrorClassifier>());
}

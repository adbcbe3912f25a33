using Microsoft.Extensions.Options;
using Sluice.Embedded;
using Sluice.Core.Stages;
using Sluice.Kafka;
using Sluice.Postgres;
using Sluice.S3;

namespace Sluice.Server;

/// <summary>
/// The host's choice of adapters, by configuration: the event log (<see cref="SluiceOptions.Transport"/>), the blob
/// store (<see cref="SluiceOptions.Blobs"/>) and the other stores (<see cref="SluiceOptions.Stores"/>), each chosen on
/// its own, so any mix works. Every adapter registers itself; the host only picks one and hands it its settings
/// section. A selection the host cannot serve (an unknown value, an adapter it does not carry, a missing connection
/// string) throws <see cref="OptionsValidationException"/> with a one-line reason while the host is composed, before
/// anything starts: there is no store to fall back on, and running on another one would be wrong.
/// </summary>
public static class SluiceAdapters
{
    /// <summary>The section of the file blob store's settings (before: <c>Sluice:Blobs</c>, now the selector).</summary>
    public const string FilesSection = "Sluice:Files";

    /// <summary>The section of the PostgreSQL stores' settings.</summary>
    public const string PostgresSection = "Sluice:Postgres";

    /// <summary>
    /// The event log: the embedded SQLite log under <see cref="SluiceOptions.DataDirectory"/> (settings under
    /// <c>Sluice:EmbeddedLog</c>), or Kafka configured under <c>Sluice:Kafka</c>.
    /// </summary>
    public static IServiceCollection AddSluiceEventLog(this IServiceCollection services, SluiceOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        return options.Transport == "kafka"
            ? services.AddSluiceKafka(configuration.GetSection(SluiceOptions.Section + ":" + KafkaOptions.SectionName))
            : services.AddSluiceSqliteEventLog(options.DataDirectory, options.Partitions, configuration.GetSection("Sluice:EmbeddedLog"));
    }

    /// <summary>The blob store <see cref="SluiceOptions.Blobs"/> names: <c>files</c> under the data directory, or <c>s3</c>.</summary>
    public static IServiceCollection AddSluiceBlobs(this IServiceCollection services, SluiceOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        switch (options.Blobs)
        {
            case "files":
                // The temp-file settings were read from Sluice:Blobs before it became the selector; Sluice:Files wins.
                services.AddOptions<FileBlobStoreOptions>().Bind(configuration.GetSection("Sluice:Blobs"));
                return services.AddSluiceFileBlobs(options.DataDirectory, configuration.GetSection(FilesSection));
            case "s3":
                return services.AddSluiceS3();
            default:
                throw Unservable(SluiceOptions.BlobsAllowed);
        }
    }

    /// <summary>
    /// The stores <see cref="SluiceOptions.Stores"/> names (status, chunks, summaries, dead letters, search index, LLM
    /// summary cache) and the attempt journal: <c>embedded</c> SQLite files under the data directory, or <c>postgres</c>,
    /// where the journal is shared by every host (a record that killed a worker is recognised wherever it comes back).
    /// </summary>
    public static IServiceCollection AddSluiceStores(this IServiceCollection services, SluiceOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        switch (options.Stores)
        {
            case "embedded":
                return services.AddSluiceSqliteAttemptJournal(options.DataDirectory)
                    .AddSluiceSqliteStores(options.DataDirectory, options.VacuumAfterDeletes);
            case "postgres":
                if (string.IsNullOrWhiteSpace(configuration[PostgresSection + ":ConnectionString"]))
                {
                    throw Unservable($"Sluice:Stores=postgres needs {PostgresSection}:ConnectionString (e.g. Host=db;Database=sluice;Username=sluice).");
                }

                return services.AddSluicePostgres(StageCatalog.PipelineNames);
            default:
                throw Unservable(SluiceOptions.StoresAllowed);
        }
    }

    /// <summary>Every adapter <paramref name="options"/> selects: the event log, the blob store and the stores.</summary>
    public static IServiceCollection AddSluiceAdapters(this IServiceCollection services, SluiceOptions options, IConfiguration configuration)
        => services.AddSluiceEventLog(options, configuration).AddSluiceBlobs(options, configuration).AddSluiceStores(options, configuration);

    private static OptionsValidationException Unservable(string reason)
        => new(Options.DefaultName, typeof(SluiceOptions), [reason]);
}

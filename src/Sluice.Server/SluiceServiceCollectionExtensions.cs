using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sluice.Core.Health;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using Sluice.Core.Stages;
using Sluice.Embedded;
using Sluice.Kafka;
using Sluice.Processing;
using Sluice.Processing.Stages;
using Sluice.Server.Hosting;
using Sluice.Server.Ingestion;

namespace Sluice.Server;

public static class SluiceServiceCollectionExtensions
{
    /// <summary>
    /// The event log <see cref="SluiceOptions.Transport"/> names: the embedded SQLite log under
    /// <see cref="SluiceOptions.DataDirectory"/>, or Kafka configured under <c>Sluice:Kafka</c>, where every key
    /// with a dot in it (<c>Sluice:Kafka:security.protocol</c>) and every key under <c>Sluice:Kafka:Properties</c>
    /// is handed to librdkafka as it is.
    /// </summary>
    public static IServiceCollection AddSluiceEventLog(this IServiceCollection services, SluiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Transport == "kafka")
        {
            services.AddOptions<KafkaOptions>()
                .BindConfiguration("Sluice:" + KafkaOptions.SectionName)
                .Configure<IConfiguration>((o, configuration) =>
                {
                    foreach (var entry in configuration.GetSection("Sluice:" + KafkaOptions.SectionName).GetChildren())
                    {
                        if (entry.Key.Contains('.', StringComparison.Ordinal) && entry.Value is not null)
                        {
                            o.Properties[entry.Key] = entry.Value;
                        }
                    }
                })
                .ValidateDataAnnotations()
                .ValidateOnStart();
            services.AddSingleton(sp => new KafkaEventLog(sp.GetRequiredService<IOptions<KafkaOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()));
            services.AddSingleton<IEventLog>(sp => sp.GetRequiredService<KafkaEventLog>());
            return services;
        }

        services.AddOptions<SqliteEventLogOptions>()
            .BindConfiguration("Sluice:EmbeddedLog")
            .Configure<IOptions<SluiceOptions>>((o, s) =>
            {
                o.Path = Path.Combine(s.Value.DataDirectory, "log.db");
                o.DefaultPartitions = s.Value.Partitions;
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
        return services;
    }

    /// <summary>
    /// The embedded stores, all under <see cref="SluiceOptions.DataDirectory"/> (several processes on one machine
    /// may share it): content-addressed file blobs, SQLite status, chunk, summary and search stores.
    /// </summary>
    public static IServiceCollection AddSluiceEmbedded(this IServiceCollection services)
    {
        services.AddOptions<FileBlobStoreOptions>()
            .BindConfiguration("Sluice:Blobs")
            .Configure<IOptions<SluiceOptions>>((o, s) => o.Root = Path.Combine(s.Value.DataDirectory, "blobs"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<SqliteStoreOptions>()
            .Configure<IOptions<SluiceOptions>>((o, s) =>
            {
                o.StatusPath = Path.Combine(s.Value.DataDirectory, "status.db");
                o.ChunksPath = Path.Combine(s.Value.DataDirectory, "chunks.db");
                o.SummariesPath = Path.Combine(s.Value.DataDirectory, "summaries.db");
                o.DeadLettersPath = Path.Combine(s.Value.DataDirectory, "dead-letters.db");
                o.AttemptsPath = Path.Combine(s.Value.DataDirectory, "attempts.db");
                o.PipelineStages = [.. StageNames.Pipeline];
                o.VacuumAfterDeletes = s.Value.VacuumAfterDeletes;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddOptions<SqliteSearchIndexOptions>()
            .Configure<IOptions<SluiceOptions>>((o, s) => o.Path = Path.Combine(s.Value.DataDirectory, "search.db"))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<IBlobStore, FileBlobStore>();
        services.AddSingleton<SqliteStatusStore>();
        services.AddSingleton<IStatusStore>(sp =>
        {
            // Fault injection for chaos runs only: off unless the setting names a switch file.
            var store = sp.GetRequiredService<SqliteStatusStore>();
            var faults = sp.GetService<IConfiguration>()?[Dev.FaultyStatusStore.Setting];
            return string.IsNullOrEmpty(faults) ? store : new Dev.FaultyStatusStore(store, faults);
        });
        services.AddSingleton<IChunkStore, SqliteChunkStore>();
        services.AddSingleton<ISummaryStore, SqliteSummaryStore>();
        services.AddSingleton<IDeadLetterStore, SqliteDeadLetterStore>();
        services.AddSingleton<ISearchIndex, SqliteSearchIndex>();
        services.AddSingleton<Sluice.Core.Deletion.IDeletedDataEraser, SqliteDataEraser>();
        services.AddSingleton<IAttemptJournal, SqliteAttemptJournal>();
        return services;
    }

    /// <summary>Topic provisioning, ingestion and the stages named in <see cref="SluiceOptions.Stages"/>.</summary>
    public static IServiceCollection AddSluicePipeline(this IServiceCollection services, SluiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(TimeProvider.System);
        services.TryAddSingleton<ReadinessSignals>();
        services.AddOptions<StageTimeoutOptions>()
            .BindConfiguration(StageTimeoutOptions.Section)
            .Validate<IConfiguration>(
                (_, configuration) => StageTimeoutOptions.NamesOnlyStages(configuration),
                $"{StageTimeoutOptions.Section} takes stage names only: {string.Join(", ", StageTimeoutOptions.Stages)}.")
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<TopicProvisioner>();
        services.AddHostedService(sp => sp.GetRequiredService<TopicProvisioner>());
        services.AddSingleton<IngestionService>();
        services.AddSingleton<ForegroundActivity>();
        services.AddSingleton<DocumentDeletionService>();
        services.AddSingleton<Sluice.Core.Deletion.BlobCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<Sluice.Core.Deletion.BlobCollector>());

        services.AddOptions<ExtractionOptions>().BindConfiguration("Sluice:Extraction").ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ChunkerOptions>().BindConfiguration("Sluice:Chunking").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => DocumentExtractors.Create(
            sp.GetRequiredService<IOptions<ExtractionOptions>>().Value, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new TextChunker(sp.GetRequiredService<IOptions<ChunkerOptions>>().Value));
        services.AddOptions<OnnxEmbedderOptions>().BindConfiguration("Sluice:" + OnnxEmbedderOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ExtractiveSummarizerOptions>().BindConfiguration("Sluice:" + ExtractiveSummarizerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (options.Embedder == "openai")
        {
            // The embedder itself, behind its provider guard, is registered by AddSluiceLlm below.
            services.AddOptions<OpenAiEmbedderOptions>().BindConfiguration("Sluice:" + OpenAiEmbedderOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        }
        else
        {
            services.AddSingleton<IEmbedder>(sp => new OnnxMiniLmEmbedder(sp.GetRequiredService<IOptions<OnnxEmbedderOptions>>().Value));
        }

        // Search embeds its queries directly; the stages share one coalescing queue in front of the model.
        services.AddSingleton(sp => new CoalescingEmbedder(sp.GetRequiredService<IEmbedder>(), options.EmbedBatchTexts));
        services.AddSingleton<ISummarizer>(sp => new ExtractiveSummarizer(
            sp.GetRequiredService<CoalescingEmbedder>(), sp.GetRequiredService<IOptions<ExtractiveSummarizerOptions>>().Value));
        services.AddSingleton<ExtractStage>();
        services.AddSingleton<ChunkStage>();
        services.AddSingleton<DocumentWrites>();
        services.AddSingleton(sp => new EmbedStage(
            sp.GetRequiredService<IBlobStore>(), sp.GetRequiredService<CoalescingEmbedder>(), sp.GetRequiredService<DocumentWrites>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IndexStage>();
        services.AddSingleton<SummarizeStage>();
        services.AddSingleton<StatusProjectionStage>();

        // Runners start once the topics exist, in the background: the host (and its HTTP listener) does not wait.
        foreach (var name in options.StageList)
        {
            services.AddSingleton<IHostedService>(sp => new StartAfterProvisioning(Runner(sp, name, options), sp.GetRequiredService<TopicProvisioner>()));
        }

        services.AddSluiceLlm(options);
        return services;
    }

    private static StageRunner Runner(IServiceProvider services, string name, SluiceOptions options)
    {
        IStage stage = name switch
        {
            StageNames.Extract => services.GetRequiredService<ExtractStage>(),
            StageNames.Chunk => services.GetRequiredService<ChunkStage>(),
            StageNames.Embed => services.GetRequiredService<EmbedStage>(),
            StageNames.Index => services.GetRequiredService<IndexStage>(),
            StageNames.Summarize => services.GetRequiredService<SummarizeStage>(),
            StageNames.StatusProjection => services.GetRequiredService<StatusProjectionStage>(),
            _ => throw new OptionsValidationException(SluiceOptions.Section, typeof(SluiceOptions),
                [$"Unknown stage '{name}'. Known stages: {string.Join(", ", StageNames.Pipeline)}, {StageNames.StatusProjection}."]),
        };
        var runnerOptions = new StageRunnerOptions
        {
            MaxParallelism = name switch
            {
                StageNames.Embed => options.EmbedParallelism,

                // With an LLM, the provider guard sets how many calls run at once; the stage must not cap it lower.
                StageNames.Summarize when options.Summarizer == "llm" => Math.Max(
                    options.EmbedParallelism, services.GetRequiredService<IOptions<LlmOptions>>().Value.MaxConcurrency),
                StageNames.Summarize => options.EmbedParallelism,
                _ => options.StageParallelism,
            },
            ReportStatus = name != StageNames.StatusProjection,

            // The status projection never commits past an event it has not applied: a failing store stalls it.
            IsProjection = name == StageNames.StatusProjection,
            Readiness = services.GetRequiredService<ReadinessSignals>(),
            RetryDelays = name == StageNames.StatusProjection ? [] : options.RetryDelayList,
            Foreground = options.YieldToUploads ? services.GetRequiredService<ForegroundActivity>() : null,
            TimeLimit = services.GetRequiredService<IOptions<StageTimeoutOptions>>().Value.For(name),
            AttemptJournal = services.GetService<IAttemptJournal>(),
            MaxWorkerDeaths = options.MaxWorkerDeaths,
        };
        return new StageRunner(
            stage, services.GetRequiredService<IEventLog>(), runnerOptions,
            services.GetRequiredService<ILogger<StageRunner>>(), services.GetRequiredService<TimeProvider>());
    }
}

using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sluice.Core.Health;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using Sluice.Core.Stages;
using Sluice.Processing;
using Sluice.Processing.Stages;
using Sluice.Server.Hosting;
using Sluice.Server.Ingestion;
using Sluice.Server.Quotas;
using Sluice.Server.Telemetry;
using Sluice.Server.Webhooks;

namespace Sluice.Server;

public static class SluiceServiceCollectionExtensions
{
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
        services.AddMetrics();
        services.TryAddSingleton<PipelineMetrics>();
        services.TryAddSingleton<ProviderMetrics>();
        services.TryAddSingleton<IngestionMetrics>();
        services.AddSluiceStorageQuotas(); // ingestion checks the storage caps
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
            services.AddSingleton<IEmbedder>(sp => new OnnxMiniLmEmbedder(sp.GetRequiredService<IOptions<OnnxEmbedderOptions>>().Value, sp.GetRequiredService<ProviderMetrics>()));
        }

        // Search embeds its queries directly; the stages share one coalescing queue in front of the model.
        services.AddSingleton(sp => new CoalescingEmbedder(sp.GetRequiredService<IEmbedder>(), options.EmbedBatchTexts));
        services.AddSingleton<ISummarizer>(sp => new ExtractiveSummarizer(
            sp.GetRequiredService<CoalescingEmbedder>(), sp.GetRequiredService<IOptions<ExtractiveSummarizerOptions>>().Value));
        services.AddSingleton<DocumentWrites>();
        services.AddStage<ExtractStage>(StageNames.Extract);
        services.AddStage<ChunkStage>(StageNames.Chunk);
        services.AddStage(StageNames.Embed, sp => new EmbedStage(
            sp.GetRequiredService<IBlobStore>(), sp.GetRequiredService<CoalescingEmbedder>(), sp.GetRequiredService<DocumentWrites>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddStage<IndexStage>(StageNames.Index);
        services.AddStage<SummarizeStage>(StageNames.Summarize);
        services.AddStage<StatusProjectionStage>(StageNames.StatusProjection);
        services.AddSluiceWebhookDelivery();
        services.AddSingleton<StoreErrors>();

        // Runners start once the topics exist, in the background: the host (and its HTTP listener) does not wait.
        foreach (var name in options.StageList)
        {
            services.AddSingleton<IHostedService>(sp => new StartAfterProvisioning(Runner(sp, name, options), sp.GetRequiredService<TopicProvisioner>()));
        }

        services.AddSluiceLlm(options);
        services.AddSluiceSearchEmbedder(options);
        return services;
    }

    private static StageRunner Runner(IServiceProvider services, string name, SluiceOptions options)
    {
        var definition = StageCatalog.Find(name) ?? throw new OptionsValidationException(SluiceOptions.Section, typeof(SluiceOptions),
            [$"Sluice:Stages names an unknown stage '{name}'; known stages: {string.Join(", ", StageCatalog.Names)}."]);
        var stage = services.GetRequiredKeyedService<IStage>(definition.Name);
        if (stage.Name != definition.Name || stage.InputTopic != definition.InputTopic)
        {
            throw new InvalidOperationException(
                $"The stage registered as '{definition.Name}' is '{stage.Name}' on {stage.InputTopic}; the catalogue says '{definition.Name}' on {definition.InputTopic}.");
        }

        var runnerOptions = new StageRunnerOptions
        {
            MaxParallelism = definition.Parallelism switch
            {
                StageParallelism.Embed => options.EmbedParallelism,

                // With an LLM, the provider guard sets how many calls run at once; the stage must not cap it lower.
                StageParallelism.Summarize when options.Summarizer == "llm" => Math.Max(
                    options.EmbedParallelism, services.GetRequiredService<IOptions<LlmOptions>>().Value.MaxConcurrency),
                StageParallelism.Summarize => options.EmbedParallelism,
                StageParallelism.Webhooks => services.GetRequiredService<IOptions<WebhookOptions>>().Value.MaxConcurrency,
                _ => options.StageParallelism,
            },
            ReportStatus = definition.ReportsStatus,

            // A projection never commits past an event it has not applied: a failing store stalls it.
            IsProjection = definition.IsProjection,
            Readiness = services.GetRequiredService<ReadinessSignals>(),
            RetryDelays = definition.RetryDelays(options.RetryDelayList),
            Foreground = options.YieldToUploads ? services.GetRequiredService<ForegroundActivity>() : null,
            TimeLimit = services.GetRequiredService<IOptions<StageTimeoutOptions>>().Value.For(name),
            AttemptJournal = services.GetService<IAttemptJournal>(),
            MaxWorkerDeaths = options.MaxWorkerDeaths,
            Metrics = services.GetRequiredService<PipelineMetrics>(),
            MessagingSystem = options.MessagingSystem,
        };
        return new StageRunner(
            stage, services.GetRequiredService<IEventLog>(), runnerOptions,
            services.GetRequiredService<ILogger<StageRunner>>(), services.GetRequiredService<TimeProvider>());
    }

    /// <summary>Registers <typeparamref name="TStage"/> as itself and as the <see cref="IStage"/> keyed by <paramref name="name"/>, which the runner looks up.</summary>
    private static IServiceCollection AddStage<TStage>(this IServiceCollection services, string name, Func<IServiceProvider, TStage>? create = null)
        where TStage : class, IStage
    {
        if (create is null)
        {
            services.AddSingleton<TStage>();
        }
        else
        {
            services.AddSingleton(create);
        }

        services.AddKeyedSingleton<IStage>(name, (sp, _) => sp.GetRequiredService<TStage>());
        return services;
    }
}

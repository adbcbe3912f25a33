using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Processing;

namespace Sluice.Server;

/// <summary>
/// The remote AI providers: the LLM summarizer (<c>Sluice:Summarizer=llm</c>) and the guard in front of remote
/// embeddings (<c>Sluice:Embedder=openai</c>). Each provider gets one <see cref="ProviderGuard"/> for the whole
/// process, so its rate, concurrency and circuit are shared by every stage and request that calls it.
/// </summary>
public static class LlmServiceCollectionExtensions
{
    /// <summary>Service key of the LLM's guard and chat client.</summary>
    public const string LlmKey = "sluice:llm";

    /// <summary>Service key of the remote embedding endpoint's guard.</summary>
    public const string EmbeddingKey = "sluice:embedding";

    /// <summary>
    /// With <c>Sluice:Summarizer=llm</c>: <see cref="LlmOptions"/> from <c>Sluice:Llm</c> (validated at start-up),
    /// its guard, the chat client, the summary cache the stores adapter registers (<see cref="ILlmSummaryCache"/>), and
    /// <see cref="LlmSummarizer"/> as the <see cref="ISummarizer"/>. With <c>Sluice:Embedder=openai</c>: the remote
    /// embedder behind a guard of its own. Call it after the pipeline's registrations, which it overrides.
    /// </summary>
    public static IServiceCollection AddSluiceLlm(this IServiceCollection services, SluiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Summarizer == "llm")
        {
            services.AddOptions<LlmOptions>()
                .BindConfiguration(SluiceOptions.Section + ":" + LlmOptions.SectionName)
                .ValidateDataAnnotations()
                .ValidateOnStart();
            services.AddKeyedSingleton(LlmKey, (sp, _) => new ProviderGuard(
                "The LLM endpoint", sp.GetRequiredService<IOptions<LlmOptions>>().Value.ToGuardOptions(), sp.GetService<TimeProvider>(),
                "llm", sp.GetRequiredService<ProviderMetrics>()));
            services.AddKeyedSingleton(LlmKey, (sp, _) => LlmSummarizer.CreateChatClient(sp.GetRequiredService<IOptions<LlmOptions>>().Value));
            services.AddSingleton<ISummarizer>(sp => new LlmSummarizer(
                sp.GetRequiredKeyedService<IChatClient>(LlmKey),
                sp.GetRequiredService<IOptions<LlmOptions>>().Value,
                sp.GetRequiredKeyedService<ProviderGuard>(LlmKey),
                sp.GetRequiredService<ILlmSummaryCache>(),
                sp.GetRequiredService<ProviderMetrics>()));
        }

        if (options.Embedder == "openai")
        {
            services.AddKeyedSingleton(EmbeddingKey, (sp, _) => new ProviderGuard(
                "The embedding endpoint", sp.GetRequiredService<IOptions<OpenAiEmbedderOptions>>().Value.ToGuardOptions(), sp.GetService<TimeProvider>(),
                "embedder", sp.GetRequiredService<ProviderMetrics>()));
            services.AddSingleton<IEmbedder>(sp => new OpenAiCompatibleEmbedder(
                sp.GetRequiredService<IOptions<OpenAiEmbedderOptions>>().Value, httpClient: null, sp.GetRequiredKeyedService<ProviderGuard>(EmbeddingKey),
                sp.GetRequiredService<ProviderMetrics>()));
        }

        return services;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sluice.Processing;

namespace Sluice.Server.Tests.Llm;

/// <summary>
/// The remote providers' options as a deployment sets them: every documented key under <c>Sluice:Llm</c> and
/// <c>Sluice:Embedding:OpenAi</c>, the defaults when a key is left out, and start-up validation of bad values.
/// </summary>
public sealed class ProviderOptionsConfigurationTests
{
    private static readonly Dictionary<string, string?> Required = new()
    {
        ["Sluice:Stages"] = "",
        ["Sluice:Summarizer"] = "llm",
        ["Sluice:Embedder"] = "openai",
        ["Sluice:Llm:Endpoint"] = "http://127.0.0.1:1/v1",
        ["Sluice:Llm:Model"] = "chat",
        ["Sluice:Embedding:OpenAi:Endpoint"] = "http://127.0.0.1:2/v1",
        ["Sluice:Embedding:OpenAi:Model"] = "embed",
        ["Sluice:Embedding:OpenAi:Dimensions"] = "384",
    };

    [Fact]
    public void Left_out_keys_take_their_documented_defaults()
    {
        using var host = Build([]);

        var llm = host.Services.GetRequiredService<IOptions<LlmOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(60), llm.Timeout);
        Assert.Equal(4, llm.MaxConcurrency);
        Assert.Equal(10, llm.RequestsPerSecond);
        Assert.Equal(0.5, llm.CircuitFailureRatio);
        Assert.Equal(10, llm.CircuitMinimumThroughput);
        Assert.Equal(TimeSpan.FromSeconds(30), llm.CircuitSamplingDuration);
        Assert.Equal(TimeSpan.FromSeconds(30), llm.CircuitBreakDuration);
        Assert.Equal(4096, llm.ContextTokens);
        Assert.Equal(300, llm.MaxSummaryTokens);
        Assert.Equal("v1", llm.PromptVersion);
        AssertGuard(llm.ToGuardOptions(), TimeSpan.FromSeconds(60), 4, 10, 0.5, 10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

        var embedder = host.Services.GetRequiredService<IOptions<OpenAiEmbedderOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(60), embedder.Timeout);
        Assert.Equal(4, embedder.MaxConcurrency);
        Assert.Equal(0, embedder.RequestsPerSecond);
        Assert.Equal(0.5, embedder.CircuitFailureRatio);
        Assert.Equal(10, embedder.CircuitMinimumThroughput);
        Assert.Equal(TimeSpan.FromSeconds(30), embedder.CircuitSamplingDuration);
        Assert.Equal(TimeSpan.FromSeconds(30), embedder.CircuitBreakDuration);
        Assert.Equal(64, embedder.BatchSize);
        Assert.False(embedder.RequestDimensions);
        AssertGuard(embedder.ToGuardOptions(), TimeSpan.FromSeconds(60), 4, 0, 0.5, 10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Every_limit_key_is_bound_and_reaches_the_guard()
    {
        using var host = Build(new()
        {
            ["Sluice:Llm:Timeout"] = "00:00:07",
            ["Sluice:Llm:MaxConcurrency"] = "3",
            ["Sluice:Llm:RequestsPerSecond"] = "2.5",
            ["Sluice:Llm:CircuitFailureRatio"] = "0.25",
            ["Sluice:Llm:CircuitMinimumThroughput"] = "20",
            ["Sluice:Llm:CircuitSamplingDuration"] = "00:01:00",
            ["Sluice:Llm:CircuitBreakDuration"] = "00:00:05",
            ["Sluice:Embedding:OpenAi:Timeout"] = "00:00:09",
            ["Sluice:Embedding:OpenAi:MaxConcurrency"] = "8",
            ["Sluice:Embedding:OpenAi:RequestsPerSecond"] = "40",
            ["Sluice:Embedding:OpenAi:CircuitFailureRatio"] = "0.75",
            ["Sluice:Embedding:OpenAi:CircuitMinimumThroughput"] = "5",
            ["Sluice:Embedding:OpenAi:CircuitSamplingDuration"] = "00:00:10",
            ["Sluice:Embedding:OpenAi:CircuitBreakDuration"] = "00:00:02",
        });

        var llm = host.Services.GetRequiredService<IOptions<LlmOptions>>().Value;
        AssertGuard(llm.ToGuardOptions(), TimeSpan.FromSeconds(7), 3, 2.5, 0.25, 20, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5));

        var embedder = host.Services.GetRequiredService<IOptions<OpenAiEmbedderOptions>>().Value;
        AssertGuard(embedder.ToGuardOptions(), TimeSpan.FromSeconds(9), 8, 40, 0.75, 5, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));
    }

    public static TheoryData<string, string> BadLlmValues => new()
    {
        { "Timeout", "00:00:00.01" },
        { "Timeout", "01:00:00" },
        { "MaxConcurrency", "0" },
        { "RequestsPerSecond", "-1" },
        { "CircuitFailureRatio", "0" },
        { "CircuitMinimumThroughput", "1" },
        { "CircuitSamplingDuration", "00:00:00.1" },
        { "CircuitBreakDuration", "02:00:00" },
    };

    [Theory]
    [MemberData(nameof(BadLlmValues))]
    public void A_bad_llm_limit_fails_at_start_naming_the_option(string key, string value)
    {
        using var host = Build(new() { ["Sluice:Llm:" + key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<LlmOptions>>().Value);

        Assert.Contains($"The field {key} must be between", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadEmbedderValues => new()
    {
        { "Timeout", "00:00:00.01" },
        { "Timeout", "01:00:00" },
        { "MaxConcurrency", "1025" },
        { "RequestsPerSecond", "100001" },
        { "CircuitFailureRatio", "1.5" },
        { "CircuitMinimumThroughput", "0" },
        { "CircuitSamplingDuration", "02:00:00" },
        { "CircuitBreakDuration", "00:00:00.1" },
    };

    [Theory]
    [MemberData(nameof(BadEmbedderValues))]
    public void A_bad_embedder_limit_fails_at_start_naming_the_option(string key, string value)
    {
        using var host = Build(new() { ["Sluice:Embedding:OpenAi:" + key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<OpenAiEmbedderOptions>>().Value);

        Assert.Contains($"The field {key} must be between", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_remote_embedder_is_registered_once_behind_its_guard()
    {
        using var host = Build([]);

        // Only the guarded embedder: an unguarded one registered beside it would be one GetServices away.
        var embedder = Assert.Single(host.Services.GetServices<Core.Ports.IEmbedder>());
        Assert.IsType<OpenAiCompatibleEmbedder>(embedder);
        Assert.Same(embedder, host.Services.GetRequiredService<Core.Ports.IEmbedder>());
        Assert.NotNull(host.Services.GetKeyedService<ProviderGuard>(LlmServiceCollectionExtensions.EmbeddingKey));
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var configuration = new Dictionary<string, string?>(Required);
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        return SluiceApp.CreateWorkerBuilder([], configuration).Build();
    }

    private static void AssertGuard(
        ProviderGuardOptions guard, TimeSpan timeout, int maxConcurrency, double requestsPerSecond,
        double failureRatio, int minimumThroughput, TimeSpan samplingDuration, TimeSpan breakDuration)
    {
        Assert.Equal(timeout, guard.Timeout);
        Assert.Equal(maxConcurrency, guard.MaxConcurrency);
        Assert.Equal(requestsPerSecond, guard.RequestsPerSecond);
        Assert.Equal(failureRatio, guard.FailureRatio);
        Assert.Equal(minimumThroughput, guard.MinimumThroughput);
        Assert.Equal(samplingDuration, guard.SamplingDuration);
        Assert.Equal(breakDuration, guard.BreakDuration);
        Assert.Equal(10_000, guard.QueueLimit);
    }
}

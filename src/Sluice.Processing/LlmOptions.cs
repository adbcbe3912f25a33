using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing;

/// <summary>
/// Where and how <see cref="LlmSummarizer"/> asks an OpenAI-compatible chat endpoint for summaries, and how the
/// endpoint is protected (<see cref="ProviderGuard"/>).
/// </summary>
public sealed class LlmOptions : IValidatableObject
{
    /// <summary>Configuration section these options bind from, under <c>Sluice</c>.</summary>
    public const string SectionName = "Llm";

    /// <summary>The prompts' version: part of every cache key and of the summary's provenance.</summary>
    public const string DefaultPromptVersion = "v1";

    /// <summary>
    /// Base address of the API, up to and including <c>/v1</c>: <c>https://api.openai.com/v1</c>, or a local
    /// server such as <c>http://localhost:11434/v1</c> (Ollama). <c>/chat/completions</c> is appended.
    /// </summary>
    [Required]
    public Uri? Endpoint { get; set; }

    /// <summary>The chat model, e.g. <c>gpt-4o-mini</c> or <c>llama3.2</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Model { get; set; } = "";

    /// <summary>Sent as a bearer token; leave empty for local servers that need none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one request may take before it counts as a (transient) failure.</summary>
    [Range(typeof(TimeSpan), "00:00:00.05", "00:30:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Most requests in flight at once from this process.</summary>
    [Range(1, 1024)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Most requests started per second from this process (token bucket); 0 for no limit.</summary>
    [Range(0, 100_000)]
    public double RequestsPerSecond { get; set; } = 10;

    /// <summary>The model's context window in tokens: prompt, text and answer must fit in it.</summary>
    [Range(512, 10_000_000)]
    public int ContextTokens { get; set; } = 4096;

    /// <summary>Longest summary asked for, in tokens (the request's output limit).</summary>
    [Range(16, 100_000)]
    public int MaxSummaryTokens { get; set; } = 300;

    /// <summary>Change it when the prompts change so cached summaries from the old ones are not reused.</summary>
    [Required(AllowEmptyStrings = false)]
    public string PromptVersion { get; set; } = DefaultPromptVersion;

    /// <summary>Circuit breaker: share of failed requests within <see cref="CircuitSamplingDuration"/> that opens it.</summary>
    [Range(0.01, 1.0)]
    public double CircuitFailureRatio { get; set; } = 0.5;

    /// <summary>Circuit breaker: requests within <see cref="CircuitSamplingDuration"/> before the ratio is judged.</summary>
    [Range(2, 100_000)]
    public int CircuitMinimumThroughput { get; set; } = 10;

    /// <summary>Circuit breaker: the window failures are counted over.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan CircuitSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Circuit breaker: how long it stays open (the stage pauses that long) before a probe request.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The guard settings these options describe.</summary>
    public ProviderGuardOptions ToGuardOptions() => new()
    {
        Timeout = Timeout,
        MaxConcurrency = MaxConcurrency,
        RequestsPerSecond = RequestsPerSecond,
        FailureRatio = CircuitFailureRatio,
        MinimumThroughput = CircuitMinimumThroughput,
        SamplingDuration = CircuitSamplingDuration,
        BreakDuration = CircuitBreakDuration,
    };

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Endpoint is not null && (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult($"{nameof(Endpoint)} must be an absolute http or https address.", [nameof(Endpoint)]);
        }

        if (LlmSummarizer.InputTokenBudget(this) < 2 * MaxSummaryTokens)
        {
            yield return new ValidationResult(
                $"{nameof(ContextTokens)} ({ContextTokens}) leaves too little room beside {nameof(MaxSummaryTokens)} ({MaxSummaryTokens}): " +
                "the text sent must be able to hold at least two summaries, or long documents could never be reduced.",
                [nameof(ContextTokens), nameof(MaxSummaryTokens)]);
        }
    }
}

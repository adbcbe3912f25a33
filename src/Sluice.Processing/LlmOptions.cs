using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing;

/// <summary>
/// Where and how <see cref="LlmSummarizer"/> asks an OpenAI-compatible chat endpoint for summaries, and how the
/// endpoint is protected (<see cref="ProviderGuard"/>, with the limits of <see cref="ProviderLimitOptions"/>).
/// </summary>
public sealed class LlmOptions : ProviderLimitOptions, IValidatableObject
{
    /// <summary>Configuration section these options bind from, under <c>Sluice</c>.</summary>
    public const string SectionName = "Llm";

    /// <summary>The prompts' version: part of every cache key and of the summary's provenance.</summary>
    public const string DefaultPromptVersion = "v1";

    /// <summary>Options with the defaults: at most 10 requests started per second.</summary>
    public LlmOptions()
        : base(requestsPerSecond: 10)
    {
    }

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

    /// <summary>The model's context window in tokens: prompt, text and answer must fit in it.</summary>
    [Range(512, 10_000_000)]
    public int ContextTokens { get; set; } = 4096;

    /// <summary>Longest summary asked for, in tokens (the request's output limit).</summary>
    [Range(16, 100_000)]
    public int MaxSummaryTokens { get; set; } = 300;

    /// <summary>
    /// Most requests one attempt at one document's summary may send (map pieces, reduce rounds and the final
    /// request; answers found in the cache are free). A document that needs more fails permanently with the count,
    /// before any request when its pieces alone are too many: a 100 MB text must not become thousands of paid calls.
    /// 0: no cap. With the default context (4,096 tokens) 64 requests cover about 600 KB of text.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxRequestsPerDocument { get; set; } = 64;

    /// <summary>Change it when the prompts change so cached summaries from the old ones are not reused.</summary>
    [Required(AllowEmptyStrings = false)]
    public string PromptVersion { get; set; } = DefaultPromptVersion;

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

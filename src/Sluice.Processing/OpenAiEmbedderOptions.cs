using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing;

/// <summary>Where and how <see cref="OpenAiCompatibleEmbedder"/> asks for embeddings.</summary>
public sealed class OpenAiEmbedderOptions : IValidatableObject
{
    /// <summary>Configuration section these options bind from.</summary>
    public const string SectionName = "Embedding:OpenAi";

    /// <summary>
    /// Base address of the API, up to and including <c>/v1</c>: <c>https://api.openai.com/v1</c>, or a local
    /// server such as <c>http://localhost:11434/v1</c>. <c>/embeddings</c> is appended.
    /// </summary>
    [Required]
    public Uri? Endpoint { get; set; }

    /// <summary>The embedding model, e.g. <c>text-embedding-3-small</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Model { get; set; } = "";

    /// <summary>Sent as a bearer token; leave empty for local servers that need none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Length of the model's vectors; a response with another length is refused.</summary>
    [Range(1, 65_536)]
    public int Dimensions { get; set; }

    /// <summary>
    /// Ask the server to shorten vectors to <see cref="Dimensions"/> (the <c>dimensions</c> request field, which
    /// text-embedding-3 models support); servers and models without it reject such requests.
    /// </summary>
    public bool RequestDimensions { get; set; }

    /// <summary>Texts per request. OpenAI accepts up to 2048 inputs per request.</summary>
    [Range(1, 2048)]
    public int BatchSize { get; set; } = 64;

    /// <summary>How long one request may take before it counts as a (transient) failure.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:30:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Most requests in flight at once from this process, when the endpoint is guarded (<see cref="ProviderGuard"/>).</summary>
    [Range(1, 1024)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Most requests started per second from this process when guarded (token bucket); 0 for no limit.</summary>
    [Range(0, 100_000)]
    public double RequestsPerSecond { get; set; }

    /// <summary>How long the circuit stays open after repeated transient failures, when guarded.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The guard settings these options describe (failure ratio and sampling at their defaults).</summary>
    public ProviderGuardOptions ToGuardOptions() => new()
    {
        Timeout = Timeout,
        MaxConcurrency = MaxConcurrency,
        RequestsPerSecond = RequestsPerSecond,
        BreakDuration = CircuitBreakDuration,
    };

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Endpoint is not null && (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult($"{nameof(Endpoint)} must be an absolute http or https address.", [nameof(Endpoint)]);
        }
    }
}

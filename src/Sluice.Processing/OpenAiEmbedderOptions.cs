using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing;

/// <summary>
/// Where and how <see cref="OpenAiCompatibleEmbedder"/> asks for embeddings, and the limits of the endpoint's
/// <see cref="ProviderGuard"/> when it has one (<see cref="ProviderLimitOptions"/>; <see cref="ProviderLimitOptions.Timeout"/>
/// bounds every request either way).
/// </summary>
public sealed class OpenAiEmbedderOptions : ProviderLimitOptions, IValidatableObject
{
    /// <summary>Configuration section these options bind from.</summary>
    public const string SectionName = "Embedding:OpenAi";

    /// <summary>Options with the defaults: no limit on requests started per second.</summary>
    public OpenAiEmbedderOptions()
        : base(requestsPerSecond: 0)
    {
    }

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

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Endpoint is not null && (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult($"{nameof(Endpoint)} must be an absolute http or https address.", [nameof(Endpoint)]);
        }
    }
}

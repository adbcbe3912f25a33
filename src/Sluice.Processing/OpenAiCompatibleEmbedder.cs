using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.AI;
using Sluice.Core.Ports;
using Sluice.Processing.Internal.Embeddings;

namespace Sluice.Processing;

/// <summary>
/// Embeds text through any OpenAI-compatible <c>/v1/embeddings</c> endpoint (OpenAI, Azure-style gateways, Ollama,
/// llama.cpp, vLLM, text-embeddings-inference…) via Microsoft.Extensions.AI.
/// </summary>
/// <remarks>
/// Texts go in requests of at most <see cref="OpenAiEmbedderOptions.BatchSize"/>, one after another; vectors come
/// back L2-normalised, in input order. The client does not retry: failures surface as <see cref="ProviderException"/>
/// (transient for timeouts, connection errors, 408, 429 and 5xx, with the server's <c>Retry-After</c>; permanent for
/// other 4xx and unusable responses), and the runtime decides when to try again. Given a <see cref="ProviderGuard"/>,
/// every request goes through it: rate and concurrency limits, a per-request timeout and a circuit breaker shared
/// with the endpoint's other callers. Thread-safe.
/// </remarks>
public sealed class OpenAiCompatibleEmbedder : IEmbedder, IDisposable
{
    private const string Provider = "The embedding endpoint";

    private readonly IEmbeddingGenerator<string, Embedding<float>> _generator;
    private readonly EmbeddingGenerationOptions? _requestOptions;
    private readonly int _batchSize;
    private readonly ProviderGuard? _guard;

    /// <summary>Creates the client; nothing is sent until the first call.</summary>
    /// <param name="options">Endpoint, model and limits.</param>
    /// <param name="httpClient">The HTTP client to send with, e.g. from <c>IHttpClientFactory</c>; a new one when null.</param>
    /// <exception cref="ValidationException">The options are not valid.</exception>
    public OpenAiCompatibleEmbedder(OpenAiEmbedderOptions options, HttpClient? httpClient = null)
        : this(options, httpClient, guard: null)
    {
    }

    /// <summary>Creates the client, sending every request through <paramref name="guard"/>; nothing is sent until the first call.</summary>
    /// <param name="options">Endpoint, model and limits.</param>
    /// <param name="httpClient">The HTTP client to send with, e.g. from <c>IHttpClientFactory</c>; a new one when null.</param>
    /// <param name="guard">The endpoint's guard, shared with its other callers (not disposed here); none when null.</param>
    /// <exception cref="ValidationException">The options are not valid.</exception>
    public OpenAiCompatibleEmbedder(OpenAiEmbedderOptions options, HttpClient? httpClient, ProviderGuard? guard)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);

        var (clientOptions, credential) = OpenAiClientSetup.Create(options.Endpoint, options.ApiKey, options.Timeout, httpClient);
        var client = new OpenAI.Embeddings.EmbeddingClient(options.Model, credential, clientOptions);
        _generator = client.AsIEmbeddingGenerator();
        _requestOptions = options.RequestDimensions ? new EmbeddingGenerationOptions { Dimensions = options.Dimensions } : null;
        _batchSize = options.BatchSize;
        _guard = guard;
        Info = new EmbedderInfo(options.Model, "openai-compatible", options.Dimensions);
    }

    /// <inheritdoc />
    public EmbedderInfo Info { get; }

    /// <inheritdoc />
    /// <exception cref="ProviderException">The endpoint failed or answered with something unusable.</exception>
    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var vectors = new List<float[]>(texts.Count);
        foreach (var batch in texts.Chunk(_batchSize))
        {
            var embeddings = await GenerateAsync(batch, cancellationToken);
            if (embeddings.Count != batch.Length)
            {
                throw ProviderFailures.Invalid(Provider, $"{embeddings.Count} vectors for {batch.Length} texts");
            }

            foreach (var embedding in embeddings)
            {
                vectors.Add(ToVector(embedding));
            }
        }

        return vectors;
    }

    /// <inheritdoc />
    public void Dispose() => _generator.Dispose();

    private async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(string[] batch, CancellationToken cancellationToken)
    {
        if (_guard is not null)
        {
            return await _guard.ExecuteAsync(token => _generator.GenerateAsync(batch, _requestOptions, token), cancellationToken);
        }

        try
        {
            return await _generator.GenerateAsync(batch, _requestOptions, cancellationToken);
        }
        catch (Exception exception) when (ProviderFailures.From(exception, Provider, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    private float[] ToVector(Embedding<float> embedding)
    {
        var vector = embedding.Vector.ToArray();
        if (vector.Length != Info.Dimensions)
        {
            throw ProviderFailures.Invalid(Provider, $"a vector of {vector.Length} dimensions where {Info.Dimensions} were expected");
        }

        if (!Array.TrueForAll(vector, float.IsFinite))
        {
            throw ProviderFailures.Invalid(Provider, "a vector with non-finite components");
        }

        VectorMath.Normalize(vector);
        return vector;
    }
}

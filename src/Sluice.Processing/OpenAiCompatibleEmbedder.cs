using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
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
    private readonly ProviderMetrics _metrics;

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
        : this(options, httpClient, guard, metrics: null)
    {
    }

    /// <summary>Creates the client, sending every request through <paramref name="guard"/> and counting its calls in <paramref name="metrics"/>.</summary>
    /// <param name="options">Endpoint, model and limits.</param>
    /// <param name="httpClient">The HTTP client to send with, e.g. from <c>IHttpClientFactory</c>; a new one when null.</param>
    /// <param name="guard">The endpoint's guard, shared with its other callers (not disposed here); none when null.</param>
    /// <param name="metrics">Where calls are counted and timed; <see cref="ProviderMetrics.Shared"/> when null.</param>
    /// <exception cref="ValidationException">The options are not valid.</exception>
    public OpenAiCompatibleEmbedder(OpenAiEmbedderOptions options, HttpClient? httpClient, ProviderGuard? guard, ProviderMetrics? metrics)
    {
        _metrics = metrics ?? ProviderMetrics.Shared;
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

    /// <summary>One request to the endpoint, in a client span (its HTTP call a child of it), counted and timed.</summary>
    private async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(string[] batch, CancellationToken cancellationToken)
    {
        using var span = ProviderTracing.StartEmbeddings("openai", Info.Name, batch.Length, ActivityKind.Client);
        var started = Stopwatch.GetTimestamp();
        var succeeded = false;
        try
        {
            var embeddings = await SendAsync(batch, cancellationToken);
            if (span is not null && embeddings.Usage?.InputTokenCount is { } tokens)
            {
                span.SetTag("gen_ai.usage.input_tokens", tokens);
            }

            succeeded = true;
            return embeddings;
        }
        catch (Exception ex)
        {
            ProviderTracing.Failed(span, ex);
            throw;
        }
        finally
        {
            _metrics.EmbedderBatch(Info.Name, batch.Length, Stopwatch.GetElapsedTime(started), succeeded);
        }
    }

    private async Task<GeneratedEmbeddings<Embedding<float>>> SendAsync(string[] batch, CancellationToken cancellationToken)
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

using System.ComponentModel.DataAnnotations;
using Sluice.Core.Ports;

namespace Sluice.Processing.Tests.Embeddings;

public sealed class OpenAiCompatibleEmbedderTests : IAsyncLifetime
{
    private FakeEmbeddingServer _server = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await FakeEmbeddingServer.StartAsync(Cancel);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private OpenAiCompatibleEmbedder Create(int batchSize = 64, string? apiKey = "test-key", TimeSpan? timeout = null, bool requestDimensions = false) =>
        new(new OpenAiEmbedderOptions
        {
            Endpoint = _server.Endpoint,
            Model = "fake-embed-1",
            ApiKey = apiKey,
            Dimensions = FakeEmbeddingServer.Dimensions,
            BatchSize = batchSize,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
            RequestDimensions = requestDimensions,
        });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Vectors_come_back_in_order_and_normalised(bool floats)
    {
        _server.AlwaysFloats = floats;
        using var embedder = Create();
        string[] texts = ["alpha", "be", "", "a longer text"];

        var vectors = await embedder.EmbedAsync(texts, Cancel);

        Assert.Equal(texts.Length, vectors.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            var expected = FakeEmbeddingServer.VectorFor(texts[i]);
            var norm = Math.Sqrt(expected.Sum(x => x * (double)x));
            Assert.Equal(1.0, VectorAssert.Norm(vectors[i]), 1e-5);
            VectorAssert.Close([.. expected.Select(x => (float)(x / norm))], vectors[i], 1e-6);
        }

        Assert.Equal("base64", Assert.Single(_server.Requests).EncodingFormat);
    }

    [Fact]
    public async Task Texts_are_sent_in_batches_of_the_configured_size()
    {
        using var embedder = Create(batchSize: 3);
        var texts = Enumerable.Range(0, 8).Select(i => $"text {i}").ToArray();

        var vectors = await embedder.EmbedAsync(texts, Cancel);

        Assert.Equal(8, vectors.Count);
        Assert.Equal([3, 3, 2], _server.Requests.Select(r => r.Inputs.Length));
        Assert.Equal(texts, _server.Requests.SelectMany(r => r.Inputs));
    }

    [Fact]
    public async Task The_model_and_the_api_key_reach_the_server()
    {
        using var embedder = Create(apiKey: "sk-secret");
        await embedder.EmbedAsync(["x"], Cancel);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("fake-embed-1", request.Model);
        Assert.Equal("Bearer sk-secret", request.Authorization);
        Assert.Null(request.Dimensions);
        Assert.Equal(new EmbedderInfo("fake-embed-1", "openai-compatible", FakeEmbeddingServer.Dimensions), embedder.Info);
    }

    [Fact]
    public async Task Without_an_api_key_no_authorization_is_sent()
    {
        using var embedder = Create(apiKey: null);
        await embedder.EmbedAsync(["x"], Cancel);
        Assert.Equal("", Assert.Single(_server.Requests).Authorization);
    }

    [Fact]
    public async Task Dimensions_are_requested_only_when_asked_to()
    {
        using var embedder = Create(requestDimensions: true);
        await embedder.EmbedAsync(["x"], Cancel);
        Assert.Equal(FakeEmbeddingServer.Dimensions, Assert.Single(_server.Requests).Dimensions);
    }

    [Fact]
    public async Task Too_many_requests_is_transient_with_the_retry_after()
    {
        _server.Failure = (429, new Dictionary<string, string> { ["Retry-After"] = "7" });
        using var embedder = Create();

        var failure = await Assert.ThrowsAsync<ProviderException>(() => embedder.EmbedAsync(["x"], Cancel));

        Assert.True(failure.IsTransient);
        Assert.Equal(TimeSpan.FromSeconds(7), failure.RetryAfter);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_retry_after_date_becomes_a_wait()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(2);
        _server.Failure = (503, new Dictionary<string, string> { ["Retry-After"] = at.ToString("r") });
        using var embedder = Create();

        var failure = await Assert.ThrowsAsync<ProviderException>(() => embedder.EmbedAsync(["x"], Cancel));

        Assert.True(failure.IsTransient);
        Assert.InRange(failure.RetryAfter!.Value, TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(121));
    }

    [Fact]
    public async Task A_server_error_is_transient()
    {
        _server.Failure = (500, new Dictionary<string, string>());
        using var embedder = Create();

        var failure = await Assert.ThrowsAsync<ProviderException>(() => embedder.EmbedAsync(["x"], Cancel));

        Assert.True(failure.IsTransient);
        Assert.Null(failure.RetryAfter);
        Assert.Single(_server.Requests);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    public async Task A_client_error_is_permanent(int status)
    {
        _server.Failure = (status, new Dictionary<string, string>());
        using var embedder = Create();

        var failure = await Assert.ThrowsAsync<ProviderException>(() => embedder.EmbedAsync(["x"], Cancel));

        Assert.False(failure.IsTransient);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_timeout_is_transient()
    {
        _server.Hang = true;
        using var embedder = Create(timeout: TimeSpan.FromMilliseconds(300));

        var failure = await Assert.ThrowsAsync<ProviderException>(() => embedder.EmbedAsync(["x"], Cancel));

        Assert.True(failure.IsTransient);
    }

    [Fact]
    public async Task An_unreachable_server_is_transient()
    {
        var endpoint = _server.Endpoint;
        await _server.DisposeAsync();
        using var embedder = new OpenAiCompatibleEmbedder(new OpenAiEmbedderOptions
        {
            Endpoint = endpoint, Model = "m", Dimensions = FakeEmbeddingServer.Dimensions,
        });

        var failure = await Assert.ThrowsAsync<ProviderException>(() => embedder.EmbedAsync(["x"], Cancel));

        Assert.True(failure.IsTransient);
    }

    [Fact]
    public async Task Vectors_of_the_wrong_length_are_a_permanent_failure()
    {
        using var embedder = new OpenAiCompatibleEmbedder(new OpenAiEmbedderOptions
        {
            Endpoint = _server.Endpoint, Model = "m", Dimensions = FakeEmbeddingServer.Dimensions + 1,
        });

        var failure = await Assert.ThrowsAsync<ProviderException>(() => embedder.EmbedAsync(["x"], Cancel));

        Assert.False(failure.IsTransient);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_a_provider_failure()
    {
        _server.Hang = true;
        using var embedder = Create();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var call = embedder.EmbedAsync(["x"], cancellation.Token);
        await _server.FirstRequest.WaitAsync(Cancel);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Theory]
    [InlineData(null, "m", 4)]
    [InlineData("http://127.0.0.1:1/v1", "", 4)]
    [InlineData("http://127.0.0.1:1/v1", "m", 0)]
    [InlineData("ftp://127.0.0.1/v1", "m", 4)]
    public void Invalid_options_are_rejected(string? endpoint, string model, int dimensions)
    {
        var options = new OpenAiEmbedderOptions
        {
            Endpoint = endpoint is null ? null : new Uri(endpoint), Model = model, Dimensions = dimensions,
        };
        Assert.Throws<ValidationException>(() => new OpenAiCompatibleEmbedder(options));
    }
}

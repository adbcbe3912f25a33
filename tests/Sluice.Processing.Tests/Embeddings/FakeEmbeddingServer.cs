using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Sluice.Processing.Tests.Embeddings;

/// <summary>
/// An OpenAI-style <c>/v1/embeddings</c> endpoint on 127.0.0.1: answers in base64 or float arrays as asked (or
/// always in float arrays), records what it receives, and can be told to fail or to hang.
/// </summary>
internal sealed class FakeEmbeddingServer : IAsyncDisposable
{
    public const int Dimensions = 4;

    private readonly WebApplication _app;
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeEmbeddingServer(WebApplication app) => _app = app;

    public Uri Endpoint => new(_app.Urls.Single() + "/v1");

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Completes when the first request has arrived.</summary>
    public Task FirstRequest => _received.Task;

    /// <summary>Answer with float arrays even when base64 is asked for, as some servers do.</summary>
    public bool AlwaysFloats { get; set; }

    /// <summary>When set, requests are answered with this status, headers and body instead of vectors.</summary>
    public (int Status, IReadOnlyDictionary<string, string> Headers)? Failure { get; set; }

    /// <summary>When set, requests get no answer until the server is disposed.</summary>
    public bool Hang { get; set; }

    public static async Task<FakeEmbeddingServer> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeEmbeddingServer(app);
        app.MapPost("/v1/embeddings", server.HandleAsync);
        await app.StartAsync(cancellationToken);
        return server;
    }

    /// <summary>The unnormalised vector the server gives for <paramref name="text"/>.</summary>
    public static float[] VectorFor(string text) => [text.Length + 1, text.Length > 0 ? text[0] : 0, 3, -2];

    public async ValueTask DisposeAsync()
    {
        _released.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var root = body.RootElement;
        var inputs = root.GetProperty("input").ValueKind == JsonValueKind.String
            ? [root.GetProperty("input").GetString()!]
            : root.GetProperty("input").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var format = root.TryGetProperty("encoding_format", out var f) ? f.GetString() : null;
        int? dimensions = root.TryGetProperty("dimensions", out var d) ? d.GetInt32() : null;
        Requests.Enqueue(new ReceivedRequest(
            root.GetProperty("model").GetString()!, context.Request.Headers.Authorization.ToString(), inputs, format, dimensions));
        _received.TrySetResult();

        if (Hang)
        {
            await _released.Task.WaitAsync(context.RequestAborted);
            return;
        }

        if (Failure is { } failure)
        {
            context.Response.StatusCode = failure.Status;
            foreach (var (name, value) in failure.Headers)
            {
                context.Response.Headers[name] = value;
            }

            await context.Response.WriteAsJsonAsync(new { error = new { message = $"failing with {failure.Status}", type = "test" } });
            return;
        }

        var data = new JsonArray();
        for (var i = 0; i < inputs.Length; i++)
        {
            var vector = VectorFor(inputs[i]);
            JsonNode embedding = format == "base64" && !AlwaysFloats
                ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()))
                : new JsonArray([.. vector.Select(x => (JsonNode)x)]);
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }

        var response = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = root.GetProperty("model").GetString(),
            ["usage"] = new JsonObject { ["prompt_tokens"] = inputs.Length, ["total_tokens"] = inputs.Length },
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
    }
}

internal sealed record ReceivedRequest(string Model, string Authorization, string[] Inputs, string? EncodingFormat, int? Dimensions);

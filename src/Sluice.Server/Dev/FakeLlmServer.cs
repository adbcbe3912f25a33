using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Sluice.Server.Dev;

/// <summary>
/// An OpenAI-compatible endpoint on 127.0.0.1 that answers instantly and deterministically, or misbehaves on
/// purpose (<see cref="FakeLlmOptions"/>): for tests and benchmarks of the LLM summarizer and remote embeddings
/// without a model, a GPU or a network.
/// </summary>
/// <remarks>
/// <c>POST /v1/chat/completions</c> (non-streaming) answers with the first two sentences of the last user
/// message as the "summary", plus usage; <c>POST /v1/embeddings</c> with hashed bag-of-words vectors (similar
/// texts get similar vectors), as floats or base64; <c>GET /stats</c> with <see cref="FakeLlmStats"/>.
/// </remarks>
public sealed partial class FakeLlmServer : IAsyncDisposable
{
    private const int MaxSummaryCharacters = 400;

    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _randomLock = new();
    private WebApplication? _app;
    private Random _random = new();
    private volatile FakeLlmOptions _options = new();
    private long _requests;
    private long _chatRequests;
    private long _embeddingRequests;
    private long _succeeded;
    private long _rateLimited;
    private long _serverErrors;
    private long _rejected;
    private long _hung;
    private long _aborted;
    private long _badRequests;
    private long _spikes;
    private int _inFlight;
    private int _maxInFlight;

    private enum Api
    {
        Chat,
        Embeddings,
    }

    /// <summary>The base address, ending in <c>/v1</c>, once started.</summary>
    public Uri? BaseUrl { get; private set; }

    /// <summary>The faults in force; replace them at any time to change behaviour while running.</summary>
    public FakeLlmOptions Options
    {
        get => _options;
        set => _options = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Counters since the start (or the last <see cref="ResetStats"/>).</summary>
    public FakeLlmStats Stats => new(
        Interlocked.Read(ref _requests), Interlocked.Read(ref _chatRequests), Interlocked.Read(ref _embeddingRequests),
        Interlocked.Read(ref _succeeded), Interlocked.Read(ref _rateLimited), Interlocked.Read(ref _serverErrors),
        Interlocked.Read(ref _rejected), Interlocked.Read(ref _hung), Interlocked.Read(ref _aborted),
        Interlocked.Read(ref _badRequests), Interlocked.Read(ref _spikes), Volatile.Read(ref _inFlight), Volatile.Read(ref _maxInFlight));

    /// <summary>Starts listening on 127.0.0.1 and returns the base address (<c>http://127.0.0.1:PORT/v1</c>).</summary>
    public async Task<Uri> StartAsync(FakeLlmOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The fake LLM server is already running.");
        }

        _options = options ?? new FakeLlmOptions();
        _random = _options.Seed is { } seed ? new Random(seed) : new Random();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, _options.Port));
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", context => HandleAsync(context, Api.Chat));
        app.MapPost("/v1/embeddings", context => HandleAsync(context, Api.Embeddings));
        app.MapGet("/v1/models", context => WriteJsonAsync(context, 200, new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject { ["id"] = "fake", ["object"] = "model", ["owned_by"] = "sluice" }),
        }));
        app.MapGet("/stats", context => WriteJsonAsync(context, 200, JsonSerializer.SerializeToNode(Stats, StatsJson)!));
        await app.StartAsync(cancellationToken);
        _app = app;

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.TrimEnd('/') + "/v1");
        return BaseUrl;
    }

    /// <summary>Zeroes the counters (the in-flight count stays true).</summary>
    public void ResetStats()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _chatRequests, 0);
        Interlocked.Exchange(ref _embeddingRequests, 0);
        Interlocked.Exchange(ref _succeeded, 0);
        Interlocked.Exchange(ref _rateLimited, 0);
        Interlocked.Exchange(ref _serverErrors, 0);
        Interlocked.Exchange(ref _rejected, 0);
        Interlocked.Exchange(ref _hung, 0);
        Interlocked.Exchange(ref _aborted, 0);
        Interlocked.Exchange(ref _badRequests, 0);
        Interlocked.Exchange(ref _spikes, 0);
        Volatile.Write(ref _maxInFlight, Volatile.Read(ref _inFlight));
    }

    /// <summary>Stops listening; requests it was holding (hangs, latency) end at once.</summary>
    public async Task StopAsync()
    {
        var app = _app;
        if (app is null)
        {
            return;
        }

        _app = null;
        await _stopping.CancelAsync();
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    /// <summary>Whether <paramref name="content"/> is rejected: the marker, or its hash falling under the reject rate.</summary>
    public static bool Rejects(string content, FakeLlmOptions options)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrEmpty(options.RejectMarker) && content.Contains(options.RejectMarker, StringComparison.Ordinal))
        {
            return true;
        }

        if (options.RejectRate <= 0)
        {
            return false;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(content));
        var unit = BitConverter.ToUInt64(hash, 0) / (double)ulong.MaxValue;
        return unit < options.RejectRate;
    }

    /// <summary>The fake's summary of <paramref name="text"/>: its first two sentences, at most 400 characters.</summary>
    public static string Summarize(string text, int maxCharacters = MaxSummaryCharacters)
    {
        ArgumentNullException.ThrowIfNull(text);
        var flat = Whitespace().Replace(text, " ").Trim();
        var sentences = SentenceEnd().Split(flat);
        var summary = string.Join(' ', sentences.Take(2)).Trim();
        return summary.Length <= maxCharacters ? summary : summary[..maxCharacters].TrimEnd();
    }

    private static readonly JsonSerializerOptions StatsJson = new(JsonSerializerDefaults.Web);

    private async Task HandleAsync(HttpContext context, Api api)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref api == Api.Chat ? ref _chatRequests : ref _embeddingRequests);
        var inFlight = Interlocked.Increment(ref _inFlight);
        for (var max = Volatile.Read(ref _maxInFlight); inFlight > max; max = Volatile.Read(ref _maxInFlight))
        {
            if (Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) == max)
            {
                break;
            }
        }

        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await AnswerAsync(context, api, aborted.Token);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref _aborted);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task AnswerAsync(HttpContext context, Api api, CancellationToken cancellationToken)
    {
        var options = _options;
        JsonObject request;
        try
        {
            request = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: cancellationToken) as JsonObject
                ?? throw new JsonException("The body is not a JSON object.");
        }
        catch (JsonException ex)
        {
            Interlocked.Increment(ref _badRequests);
            await WriteErrorAsync(context, 400, "invalid_request_error", ex.Message, cancellationToken);
            return;
        }

        var model = request["model"]?.GetValue<string>() ?? "fake";
        List<string> inputs;
        string content;
        if (api == Api.Chat)
        {
            content = LastUserMessage(request);
            inputs = [content];
        }
        else
        {
            inputs = Inputs(request["input"]);
            content = string.Join('\n', inputs);
        }

        if (Rejects(content, options))
        {
            Interlocked.Increment(ref _rejected);
            await WriteErrorAsync(context, 400, "invalid_request_error", "The fake provider rejects this content.", cancellationToken);
            return;
        }

        if (Roll() < options.HangRate)
        {
            Interlocked.Increment(ref _hung);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (Roll() < options.Rate429)
        {
            Interlocked.Increment(ref _rateLimited);
            context.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await WriteErrorAsync(context, 429, "rate_limit_exceeded", "Rate limit reached (fake).", cancellationToken);
            return;
        }

        if (Roll() < options.Rate500)
        {
            Interlocked.Increment(ref _serverErrors);
            await WriteErrorAsync(context, 500, "server_error", "The fake provider failed on purpose.", cancellationToken);
            return;
        }

        var delay = options.Latency;
        if (Roll() < options.SpikeRate)
        {
            Interlocked.Increment(ref _spikes);
            delay = options.SpikeDuration;
        }

        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, cancellationToken);
        }

        var answer = api == Api.Chat ? ChatAnswer(request, model, content) : EmbeddingsAnswer(request, model, inputs, options);
        await WriteJsonAsync(context, 200, answer);
        Interlocked.Increment(ref _succeeded);
    }

    private double Roll()
    {
        lock (_randomLock)
        {
            return _random.NextDouble();
        }
    }

    private static JsonObject ChatAnswer(JsonObject request, string model, string content)
    {
        var maxTokens = (request["max_completion_tokens"] ?? request["max_tokens"])?.GetValue<int>();
        var summary = Summarize(content, maxTokens is > 0 ? Math.Min(MaxSummaryCharacters, maxTokens.Value * 4) : MaxSummaryCharacters);
        if (summary.Length == 0)
        {
            summary = "(empty)";
        }

        var promptCharacters = (request["messages"] as JsonArray)?.Sum(m => MessageText(m).Length) ?? 0;
        var promptTokens = (promptCharacters / 4) + 1;
        var completionTokens = (summary.Length / 4) + 1;
        return new JsonObject
        {
            ["id"] = "chatcmpl-fake-" + Guid.NewGuid().ToString("N"),
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = summary },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
            },
        };
    }

    private static JsonObject EmbeddingsAnswer(JsonObject request, string model, List<string> inputs, FakeLlmOptions options)
    {
        var dimensions = request["dimensions"]?.GetValue<int>() is > 0 and var requested ? requested : options.EmbeddingDimensions;
        var base64 = string.Equals(request["encoding_format"]?.GetValue<string>(), "base64", StringComparison.OrdinalIgnoreCase);
        var data = new JsonArray();
        var tokens = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            var vector = Vector(inputs[i], dimensions);
            tokens += (inputs[i].Length / 4) + 1;
            JsonNode embedding = base64
                ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()))
                : new JsonArray([.. vector.Select(v => (JsonNode)v)]);
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }

        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = model,
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
        };
    }

    /// <summary>Hashed bag of words (FNV-1a, stable across processes), L2-normalised.</summary>
    private static float[] Vector(string text, int dimensions)
    {
        var vector = new float[dimensions];
        foreach (var word in text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var hash = 2166136261u;
            foreach (var c in word)
            {
                hash = (hash ^ c) * 16777619u;
            }

            vector[hash % (uint)dimensions] += (hash & 0x8000_0000) == 0 ? 1f : -1f;
        }

        vector[0] += 1e-3f;
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] /= norm;
        }

        return vector;
    }

    private static string LastUserMessage(JsonObject request)
    {
        var messages = request["messages"] as JsonArray ?? [];
        var last = messages.LastOrDefault(m => m?["role"]?.GetValue<string>() == "user") ?? messages.LastOrDefault();
        return MessageText(last);
    }

    /// <summary>A message's text: its content as a string, or its text parts joined.</summary>
    private static string MessageText(JsonNode? message) => message?["content"] switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonArray parts => string.Join('\n', parts.Select(p => p?["text"]?.GetValue<string>()).Where(t => t is not null)),
        _ => "",
    };

    private static List<string> Inputs(JsonNode? input) => input switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => [text],
        JsonArray items => [.. items.Select(item => item is JsonValue v && v.TryGetValue<string>(out var s) ? s : item?.ToJsonString() ?? "")],
        _ => [""],
    };

    private static Task WriteErrorAsync(HttpContext context, int status, string type, string message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return WriteJsonAsync(context, status, new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["code"] = type },
        });
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"(?<=[.!?])\s+", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SentenceEnd();
}

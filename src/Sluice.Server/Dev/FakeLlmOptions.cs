namespace Sluice.Server.Dev;

/// <summary>
/// How <see cref="FakeLlmServer"/> misbehaves: latency and its spikes, rate-limit and server errors, requests it
/// never answers, and requests it rejects deterministically, so retries and benchmarks see realistic trouble.
/// </summary>
public sealed class FakeLlmOptions
{
    /// <summary>Port on 127.0.0.1; 0 for any free one.</summary>
    public int Port { get; set; }

    /// <summary>Time taken by every answered request.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Share of answered requests that take <see cref="SpikeDuration"/> instead of <see cref="Latency"/>.</summary>
    public double SpikeRate { get; set; }

    /// <summary>The latency of a spike.</summary>
    public TimeSpan SpikeDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Share of requests answered 429 with <c>Retry-After: </c><see cref="RetryAfterSeconds"/>.</summary>
    public double Rate429 { get; set; }

    /// <summary>The <c>Retry-After</c> of a 429, in seconds.</summary>
    public int RetryAfterSeconds { get; set; } = 2;

    /// <summary>Share of requests answered 500.</summary>
    public double Rate500 { get; set; }

    /// <summary>Share of requests never answered: the server waits until the client gives up.</summary>
    public double HangRate { get; set; }

    /// <summary>
    /// Share of request contents answered 400, decided by a hash of the content (the last user message, or the
    /// embedding inputs), so the same document is rejected every time it is retried.
    /// </summary>
    public double RejectRate { get; set; }

    /// <summary>Any request whose content contains this text is answered 400.</summary>
    public string? RejectMarker { get; set; }

    /// <summary>Length of embedding vectors when the request does not ask for <c>dimensions</c>.</summary>
    public int EmbeddingDimensions { get; set; } = 384;

    /// <summary>Seeds the random faults, for repeatable runs; a random seed when null.</summary>
    public int? Seed { get; set; }
}

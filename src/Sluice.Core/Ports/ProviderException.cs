namespace Sluice.Core.Ports;

/// <summary>
/// An AI provider (embeddings, LLM) refused or failed a call. <see cref="IsTransient"/> tells the runtime
/// whether trying again can help: timeouts, 408, 429, 5xx and connection errors are transient; other
/// 4xx and invalid responses are not.
/// </summary>
public class ProviderException : Exception
{
    public ProviderException()
    {
    }

    public ProviderException(string message)
        : base(message)
    {
    }

    public ProviderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public bool IsTransient { get; init; } = true;

    /// <summary>How long the provider asked us to wait (<c>Retry-After</c>), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// The call was not even tried: the provider's circuit breaker is open after repeated failures. The runtime
    /// pauses the stage's consumption for <see cref="RetryAfter"/> instead of spending retries.
    /// </summary>
    public bool IsCircuitOpen { get; init; }

    /// <summary>Transient for 408, 429 and 5xx; permanent for other 4xx.</summary>
    public static bool IsTransientStatus(int statusCode) => statusCode is 408 or 429 or >= 500;
}

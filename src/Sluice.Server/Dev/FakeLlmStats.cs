namespace Sluice.Server.Dev;

/// <summary>What <see cref="FakeLlmServer"/> has seen, by outcome: what a test or benchmark asserts on.</summary>
public sealed record FakeLlmStats(
    long Requests,
    long ChatRequests,
    long EmbeddingRequests,
    long Succeeded,
    long RateLimited,
    long ServerErrors,
    long Rejected,
    long Hung,
    long Aborted,
    long BadRequests,
    long Spikes,
    int InFlight,
    int MaxInFlight);

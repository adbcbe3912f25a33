using System.Collections.Concurrent;

namespace Sluice.Core.Health;

/// <summary>
/// What keeps this process from being ready, reported by the components that know (a stalled projection, an
/// unreachable event log, a store that fails). One instance per process; <c>/readyz</c> reads it. A component
/// reports a problem when it starts failing and clears it when it recovers; reporting is cheap and may be
/// repeated on every failed try.
/// </summary>
public sealed class ReadinessSignals
{
    private readonly ConcurrentDictionary<string, ReadinessProblem> _problems = new(StringComparer.Ordinal);

    /// <summary>Marks <paramref name="component"/> as not ready, with an operator-facing reason (no secrets).</summary>
    public void Report(string component, string reason, DateTimeOffset since)
    {
        ArgumentException.ThrowIfNullOrEmpty(component);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        _problems.AddOrUpdate(
            component,
            _ => new ReadinessProblem(component, reason, since),
            (_, existing) => existing with { Reason = reason });
    }

    /// <summary>Marks <paramref name="component"/> as ready again; clearing one that has no problem is a no-op.</summary>
    public void Clear(string component) => _problems.TryRemove(component, out _);

    /// <summary>The current problems, oldest first.</summary>
    public IReadOnlyList<ReadinessProblem> Problems => [.. _problems.Values.OrderBy(p => p.Since)];

    public bool IsReady => _problems.IsEmpty;
}

/// <summary>A component that is not ready, why, and since when.</summary>
public sealed record ReadinessProblem(string Component, string Reason, DateTimeOffset Since);

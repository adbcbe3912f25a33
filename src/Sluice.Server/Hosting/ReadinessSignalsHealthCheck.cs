using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sluice.Core.Health;

namespace Sluice.Server.Hosting;

/// <summary>
/// Not ready while any component reports a problem to <see cref="ReadinessSignals"/> (a stalled projection, a store
/// that keeps failing); the reasons are the components' own, meant for operators.
/// </summary>
public sealed class ReadinessSignalsHealthCheck(ReadinessSignals signals) : IHealthCheck
{
    public const string Name = "components";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = signals.Problems;
        if (problems.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("No component reports a problem."));
        }

        var reason = string.Join("; ", problems.Select(p => $"{p.Component}: {p.Reason} (since {p.Since:u})"));
        var data = problems.ToDictionary(p => p.Component, p => (object)p.Reason, StringComparer.Ordinal);
        return Task.FromResult(HealthCheckResult.Unhealthy(reason, data: data));
    }
}

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Sluice.Server.Hosting;

/// <summary>Ready once the event log was reached and its topics exist (see <see cref="TopicProvisioner"/>).</summary>
public sealed class TopicsHealthCheck(TopicProvisioner topics) : IHealthCheck
{
    public const string Name = "topics";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(topics.IsReady ? HealthCheckResult.Healthy(topics.State) : HealthCheckResult.Unhealthy(topics.State));
}

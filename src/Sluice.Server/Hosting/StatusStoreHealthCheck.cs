using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sluice.Core.Ports;

namespace Sluice.Server.Hosting;

/// <summary>Ready while the status store answers a read (every document request starts with one).</summary>
public sealed partial class StatusStoreHealthCheck(IStatusStore statuses, ILogger<StatusStoreHealthCheck> logger) : IHealthCheck
{
    public const string Name = "status-store";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await statuses.GetAsync("readiness-probe", cancellationToken);
            return HealthCheckResult.Healthy("The status store answers.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The cause goes to the log only: store errors may name paths or connection details.
            LogUnavailable(logger, ex);
            return HealthCheckResult.Unhealthy("The status store does not answer; see the log.");
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Readiness: the status store does not answer")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}

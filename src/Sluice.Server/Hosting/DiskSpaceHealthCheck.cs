using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Sluice.Server.Hosting;

/// <summary>
/// Not ready while the file system of <see cref="SluiceOptions.DataDirectory"/> (event log, blobs, stores) has less
/// free space than <see cref="SluiceOptions.MinFreeDiskBytes"/>: uploads would be accepted and then fail to be
/// written, or the log would stop taking events. The free and required bytes are reported either way.
/// </summary>
public sealed partial class DiskSpaceHealthCheck(IOptions<SluiceOptions> options, ILogger<DiskSpaceHealthCheck> logger) : IHealthCheck
{
    public const string Name = "disk";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var required = options.Value.MinFreeDiskBytes;
        long free;
        try
        {
            free = FreeBytes(options.Value.DataDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            LogUnreadable(logger, ex);
            return Task.FromResult(HealthCheckResult.Unhealthy("The free space of the data directory cannot be read; see the log."));
        }

        var data = new Dictionary<string, object> { ["freeBytes"] = free, ["minFreeBytes"] = required };
        if (free < required)
        {
            LogLow(logger, free, required);
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"The data directory has {free:N0} bytes free, less than the {required:N0} required (Sluice:MinFreeDiskBytes).", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy($"The data directory has {free:N0} bytes free.", data));
    }

    /// <summary>Free bytes on the file system holding <paramref name="directory"/>, or its nearest existing parent.</summary>
    internal static long FreeBytes(string directory)
    {
        var path = Path.GetFullPath(directory);
        while (!Directory.Exists(path) && Path.GetDirectoryName(path) is { } parent)
        {
            path = parent;
        }

        return new DriveInfo(OperatingSystem.IsWindows() ? Path.GetPathRoot(path)! : path).AvailableFreeSpace;
    }

    [LoggerMessage(1, LogLevel.Warning, "Readiness: the data directory has {Free} bytes free, less than the {Required} required")]
    private static partial void LogLow(ILogger logger, long free, long required);

    [LoggerMessage(2, LogLevel.Warning, "Readiness: the free space of the data directory cannot be read")]
    private static partial void LogUnreadable(ILogger logger, Exception exception);
}

using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Telemetry;

/// <summary>
/// How often the API process samples the pipeline (<c>Sluice:Telemetry:LagInterval</c>): consumer lag, retries waiting,
/// dead letters parked and documents by state. Every gauge, <c>/v1/pipeline</c> and the completion estimates read the
/// latest sample, so a scrape costs nothing and the log and stores are asked once per interval, whoever is looking.
/// </summary>
public sealed class LagOptions
{
    public const string Section = "Sluice:Telemetry";

    /// <summary><c>Sluice:Telemetry:LagInterval</c>: time between two samples (100 ms to 10 minutes; 10 s by default).</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:10:00", ErrorMessage = "Sluice:Telemetry:LagInterval must be between 00:00:00.1 and 00:10:00 (e.g. 00:00:10).")]
    public TimeSpan LagInterval { get; set; } = TimeSpan.FromSeconds(10);
}

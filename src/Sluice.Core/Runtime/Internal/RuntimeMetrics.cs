using System.Diagnostics.Metrics;

namespace Sluice.Core.Runtime.Internal;

/// <summary>The stage runtime's own counters (meter <c>Sluice.Runtime</c>).</summary>
internal static class RuntimeMetrics
{
    public const string MeterName = "Sluice.Runtime";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Events a projection skipped because they can never apply (poison); each one is also logged as an error.</summary>
    public static readonly Counter<long> SkippedEvents = Meter.CreateCounter<long>(
        "sluice.projection.skipped_events", unit: "{event}", description: "Events a projection skipped because they can never be applied.");
}

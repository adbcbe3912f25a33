namespace Sluice.Server.Tests.Telemetry;

/// <summary>
/// Tests that read exact values from a host's <c>/metrics</c> run alone. OpenTelemetry's meter provider listens to
/// every meter of its names in the process, not only to those its host's <c>IMeterFactory</c> made, so while another
/// test's host runs in the same process its gauges show up on this host's page too (same names, same tags, other
/// values). A production process has one host; a test process has dozens.
/// </summary>
[CollectionDefinition(nameof(ScrapedMetricsCollection), DisableParallelization = true)]
public sealed class ScrapedMetricsCollection;

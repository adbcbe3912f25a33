using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Telemetry;

/// <summary>
/// Traces (<c>Sluice:Telemetry</c>). Off unless asked for: <see cref="Tracing"/>, or an OTLP endpoint given here or by
/// the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> / <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> variables (the OTLP
/// exporter reads the other <c>OTEL_*</c> variables itself: protocol, headers, timeout). Off, no span is created.
/// </summary>
public sealed class TracingOptions
{
    public const string Section = "Sluice:Telemetry";

    /// <summary>Record spans even without an OTLP endpoint (e.g. for an exporter added in code).</summary>
    public bool Tracing { get; set; }

    /// <summary>Where spans go (OTLP, gRPC on 4317 or HTTP/protobuf on 4318 with <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>).</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>The <c>service.name</c> of this process's spans (default <c>sluice-api</c> or <c>sluice-worker</c>); <c>OTEL_SERVICE_NAME</c> wins.</summary>
    public string? ServiceName { get; set; }

    /// <summary>Share of new traces kept (a trace started upstream keeps its sampling decision).</summary>
    [Range(0.0, 1.0)]
    public double SampleRatio { get; set; } = 1.0;
}

using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sluice.Server.Telemetry;

/// <summary>
/// The upload path's instruments (meter <c>Sluice.Ingestion</c>): uploads by outcome (and, for rejections, a reason
/// from a small closed set), the size of what was accepted, and how long the acknowledgement took.
/// </summary>
public sealed class IngestionMetrics
{
    public const string MeterName = "Sluice.Ingestion";

    private readonly Counter<long> _uploads;
    private readonly Histogram<long> _size;
    private readonly Histogram<double> _duration;

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _uploads = meter.CreateCounter<long>(
            "sluice.uploads", unit: "{upload}", description: "Uploads answered, by outcome (accepted, existing, rejected) and rejection reason.");
        _size = meter.CreateHistogram<long>(
            "sluice.upload.size", unit: "By", description: "Size of the documents accepted (new or already there).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1024, 16_384, 131_072, 1_048_576, 8_388_608, 33_554_432, 134_217_728, 536_870_912] });
        _duration = meter.CreateHistogram<double>(
            "sluice.upload.duration", unit: "s", description: "Time from the upload's start to its acknowledgement (or rejection).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    /// <summary>
    /// Records one upload the endpoint answered: its HTTP status decides the outcome and, for a rejection, the reason.
    /// Requests turned away before the endpoint (authentication, rate limits) are in ASP.NET Core's own metrics.
    /// </summary>
    public void Answered(int statusCode, long? acceptedBytes, TimeSpan elapsed)
    {
        var tags = new TagList();
        switch (statusCode)
        {
            case StatusCodes.Status202Accepted:
                tags.Add("outcome", "accepted");
                break;
            case StatusCodes.Status200OK:
                tags.Add("outcome", "existing");
                break;
            default:
                tags.Add("outcome", "rejected");
                tags.Add("reason", Reason(statusCode));
                break;
        }

        _uploads.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
        if (acceptedBytes is { } bytes)
        {
            _size.Record(bytes);
        }
    }

    /// <summary>The closed set of rejection reasons, from the status the client was answered with.</summary>
    internal static string Reason(int statusCode) => statusCode switch
    {
        StatusCodes.Status400BadRequest => "invalid",
        StatusCodes.Status413PayloadTooLarge => "too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported",
        StatusCodes.Status507InsufficientStorage => "quota",
        StatusCodes.Status503ServiceUnavailable => "unavailable",
        _ => "other",
    };
}

using System.Diagnostics.Metrics;
using System.Globalization;
using Sluice.Core.Ports;
using Sluice.Server.Api;

namespace Sluice.Server.Telemetry;

/// <summary>
/// The pipeline's state as gauges (meter <c>Sluice.Operations</c>, in the API process): consumer lag and the age of the
/// oldest unread record per stage, records waiting per retry tier, dead letters parked, documents by state. Every
/// value comes from <see cref="PipelineSampler.Latest"/>, so a scrape reads memory only; a part the latest sample
/// lacks (its store or log could not be read) is left out rather than reported as zero.
/// </summary>
public sealed class OperationsMetrics
{
    public const string MeterName = "Sluice.Operations";

    private static readonly DocumentState[] States = Enum.GetValues<DocumentState>();

    public OperationsMetrics(IMeterFactory meterFactory, PipelineSampler sampler, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(time);
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge(
            "sluice.consumer.lag", () => Lag(sampler.Latest), unit: "{record}",
            description: "Records a stage's consumer group has still to read on its input topic, per partition.");
        meter.CreateObservableGauge(
            "sluice.consumer.oldest_age", () => OldestAge(sampler.Latest, time.GetUtcNow()), unit: "s",
            description: "Age of the oldest record a stage's consumer group has still to read (0 when none waits).");
        meter.CreateObservableGauge(
            "sluice.retry.waiting", () => RetryWaiting(sampler.Latest), unit: "{record}",
            description: "Records waiting on a stage's retry topic, per retry tier.");
        meter.CreateObservableGauge(
            "sluice.dead_letters.parked", () => Parked(sampler.Latest), unit: "{record}",
            description: "Dead letters of a stage still parked (not replayed).");
        meter.CreateObservableGauge(
            "sluice.documents", () => Documents(sampler.Latest), unit: "{document}",
            description: "Live documents by state.");
    }

    private static IEnumerable<Measurement<long>> Lag(PipelineSample? sample)
        => from stage in sample?.Stages ?? []
           from partition in stage.Partitions ?? []
           select new Measurement<long>(partition.Lag, [
               new("messaging.consumer.group.name", stage.Group),
               new("messaging.destination.name", partition.Topic),
               new("messaging.destination.partition.id", partition.Partition.ToString(CultureInfo.InvariantCulture))]);

    private static IEnumerable<Measurement<double>> OldestAge(PipelineSample? sample, DateTimeOffset now)
        => from stage in sample?.Stages ?? []
           where stage.Partitions is not null
           select new Measurement<double>(stage.OldestAgeSeconds(now), [new("messaging.consumer.group.name", stage.Group)]);

    private static IEnumerable<Measurement<long>> RetryWaiting(PipelineSample? sample)
        => from stage in sample?.Stages ?? []
           from tier in stage.RetryWaiting ?? new Dictionary<string, long>()
           select new Measurement<long>(tier.Value, [new("sluice.stage", stage.Stage.Name), new("sluice.retry.tier", tier.Key)]);

    private static IEnumerable<Measurement<long>> Parked(PipelineSample? sample)
        => from stage in sample?.Stages ?? []
           where stage.DeadLetters is not null
           select new Measurement<long>(stage.DeadLetters!.Value, [new("sluice.stage", stage.Stage.Name)]);

    private static IEnumerable<Measurement<long>> Documents(PipelineSample? sample)
        => sample?.Counts is not { } counts
            ? []
            : States.Select(state => new Measurement<long>(counts.Of(state), [new("sluice.document.state", DocumentResponse.Lower(state.ToString()))]));
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Runtime;
using Sluice.Core.Stages;
using Sluice.Server.Telemetry;

namespace Sluice.Server.Tests.Telemetry;

/// <summary>The metrics of a known run count exactly what happened to its uploads and records.</summary>
public class MetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Stages = [StageNames.Extract, StageNames.Chunk, StageNames.Embed, StageNames.Index, StageNames.Summarize];

    [Fact]
    public async Task AKnownRun_IsCountedByOutcome()
    {
        await using var host = await SluiceTestHost.StartAsync();
        using var metrics = new HostMeasurements(host.Services.GetRequiredService<IMeterFactory>());

        var good = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            good.Add((await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(8, $"topic {i}")), $"good-{i}.txt")).Id);
        }

        var docx = TestDocuments.Docx("A paragraph that will never be read.");
        var broken = await host.AcceptAsync(docx[..(docx.Length / 2)], "cut.docx");
        using (var empty = await host.UploadAsync([], "empty.txt"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        }

        using (var unsupported = await host.UploadAsync(TestDocuments.RandomBytes(2_000), "report.pdf", "application/pdf"))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, unsupported.StatusCode);
        }

        foreach (var id in good)
        {
            Assert.Equal("completed", (await host.WaitForTerminalAsync(id)).Status);
        }

        Assert.Equal("dead_lettered", (await host.WaitForTerminalAsync(broken.Id)).Status);

        // A document's status can turn terminal just before its last runner records the record as finished.
        await metrics.WaitUntilAsync(
            m => Stages.All(s => m.Sum("sluice.stage.in_flight", ("sluice.stage", s)) == 0)
                && m.Sum("sluice.stage.records", ("sluice.stage", StageNames.Index)) == 3
                && m.Sum("sluice.stage.records", ("sluice.stage", StageNames.Summarize)) == 3,
            Ct);

        Assert.Equal(4, metrics.Sum("sluice.uploads", ("outcome", "accepted")));
        Assert.Equal(0, metrics.Sum("sluice.uploads", ("outcome", "existing")));
        Assert.Equal(2, metrics.Sum("sluice.uploads", ("outcome", "rejected")));
        Assert.Equal(1, metrics.Sum("sluice.uploads", ("outcome", "rejected"), ("reason", "invalid")));
        Assert.Equal(1, metrics.Sum("sluice.uploads", ("outcome", "rejected"), ("reason", "unsupported")));
        Assert.Equal(4, metrics.Count("sluice.upload.size"));
        Assert.Equal(6, metrics.Count("sluice.upload.duration"));

        Assert.Equal(3, metrics.Sum("sluice.stage.records", ("sluice.stage", StageNames.Extract), ("outcome", "succeeded")));
        Assert.Equal(1, metrics.Sum("sluice.stage.records", ("sluice.stage", StageNames.Extract), ("outcome", "dead_lettered")));
        foreach (var stage in Stages.Skip(1))
        {
            Assert.Equal(3, metrics.Sum("sluice.stage.records", ("sluice.stage", stage), ("outcome", "succeeded")));
            Assert.Equal(3, metrics.Sum("sluice.stage.records", ("sluice.stage", stage)));
        }

        Assert.Equal(4, metrics.Count("sluice.stage.duration", ("sluice.stage", StageNames.Extract)));
        Assert.Equal(3, metrics.Count("sluice.stage.duration", ("sluice.stage", StageNames.Embed), ("outcome", "succeeded")));
        Assert.All(Stages, s => Assert.Equal(0, metrics.Sum("sluice.stage.in_flight", ("sluice.stage", s))));
    }

    [Fact]
    public async Task ARetryNotDueYet_PausesItsPartition_AndThePauseIsCountedUntilItIsHandled()
    {
        await using var host = await SluiceTestHost.StartAsync(
            new Dictionary<string, string?> { ["Sluice:RetryDelays"] = "2s" },
            services => services.AddSingleton<Sluice.Core.Ports.IEmbedder>(new FailingOnceEmbedder()));
        using var metrics = new HostMeasurements(host.Services.GetRequiredService<IMeterFactory>());

        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("A provider that fails once, then answers."), "paused.txt");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(document.Id, TimeSpan.FromSeconds(60))).Status);

        // The failed stage's retry record waited on its retry topic's partition, paused until it was due.
        var retried = metrics.Sum("sluice.stage.records", ("outcome", "retried"));
        Assert.Equal(1, retried);
        var stage = new[] { StageNames.Embed, StageNames.Summarize }.Single(s => metrics.Sum("sluice.stage.records", ("sluice.stage", s), ("outcome", "retried")) == 1);
        Assert.True(metrics.Peak("sluice.stage.paused_partitions", ("sluice.stage", stage)) >= 1, "the retry topic's partition should have been paused");
        await metrics.WaitUntilAsync(m => m.Sum("sluice.stage.paused_partitions", ("sluice.stage", stage)) == 0, Ct);
    }

    [Fact]
    public async Task MetricsEndpoint_ServesPrometheusText_WithoutAKey()
    {
        await using var host = await SluiceTestHost.StartAsync();
        await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(4)), "scraped.txt");

        using var response = await host.Client.GetAsync(new Uri("/metrics", UriKind.Relative), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE sluice_uploads_total counter", body, StringComparison.Ordinal);
        Assert.Matches("""sluice_uploads_total\{[^}]*outcome="accepted"[^}]*\} [1-9]""", body);
        Assert.Contains("# TYPE sluice_upload_size_bytes histogram", body, StringComparison.Ordinal);
        Assert.Contains("# TYPE sluice_upload_duration_seconds histogram", body, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsEndpoint_CanBeTurnedOff()
    {
        await using var host = await SluiceTestHost.StartAsync(new Dictionary<string, string?> { ["Sluice:Telemetry:Prometheus"] = "false" });

        using var response = await host.Client.GetAsync(new Uri("/metrics", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>
    /// Listens to the Sluice meters of one host only (those its own <see cref="IMeterFactory"/> created): other
    /// tests' hosts run in the same process at the same time.
    /// </summary>
    private sealed class HostMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();
        private readonly SemaphoreSlim _changed = new(0);

        public HostMeasurements(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory)
                    && instrument.Meter.Name is PipelineMetrics.MeterName or IngestionMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.Start();
        }

        public double Sum(string instrument, params (string Key, string Value)[] tags) => Matching(instrument, tags).Sum(m => m.Value);

        public int Count(string instrument, params (string Key, string Value)[] tags) => Matching(instrument, tags).Count();

        /// <summary>The highest value an up-down counter reached, adding its measurements up in the order they came.</summary>
        public double Peak(string instrument, params (string Key, string Value)[] tags)
        {
            double value = 0, peak = 0;
            foreach (var measurement in Matching(instrument, tags))
            {
                value += measurement.Value;
                peak = Math.Max(peak, value);
            }

            return peak;
        }

        public async Task WaitUntilAsync(Func<HostMeasurements, bool> done, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            while (!done(this))
            {
                await _changed.WaitAsync(timeout.Token);
            }
        }

        public void Dispose()
        {
            _listener.Dispose();
            _changed.Dispose();
        }

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            _measurements.Enqueue((instrument.Name, value, tags.ToArray()));
            _changed.Release();
        }

        private IEnumerable<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> Matching(
            string instrument, (string Key, string Value)[] tags)
            => _measurements.Where(m => m.Instrument == instrument
                && tags.All(t => m.Tags.Any(tag => tag.Key == t.Key && Equals(tag.Value, t.Value))));
    }
}

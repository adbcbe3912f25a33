using System.Net;
using System.Net.Http.Json;
using System.Text;
using Sluice.Server.Api;

namespace Sluice.Cli.Tests.Telemetry;

/// <summary>
/// One document, one trace, across processes: <c>sluice api</c> and one <c>sluice worker</c> per stage on the Kafka
/// mock cluster, each exporting by OTLP to a receiver the test runs.
/// </summary>
public sealed class CrossProcessTraceTests
{
    private static readonly string[] Stages = ["extract", "chunk", "embed", "index", "summarize"];

    /// <summary>Which topic each stage's span consumes and which process's producer span it must hang from.</summary>
    private static readonly Dictionary<string, (string Topic, string From)> Upstream = new()
    {
        ["extract"] = ("documents.submitted", "api"),
        ["chunk"] = ("documents.extracted", "extract"),
        ["summarize"] = ("documents.extracted", "extract"),
        ["embed"] = ("chunks.created", "chunk"),
        ["index"] = ("chunks.embedded", "embed"),
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ApiAndWorkerProcesses_ShareOneTrace_WithProducerSpansAsParentsAcrossProcesses_AndExportMetrics()
    {
        using var receiver = new OtlpReceiver();
        var data = Path.Combine(Path.GetTempPath(), "sluice-traces", Guid.NewGuid().ToString("N"));
        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");
        using var http = new HttpClient { BaseAddress = url };

        await using var cluster = SluiceProcess.Start("dev", "kafka", "--topics");
        var bootstrap = (await cluster.WaitForOutputAsync(l => l.StartsWith("bootstrap: ", StringComparison.Ordinal), TimeSpan.FromSeconds(30)))["bootstrap: ".Length..];
        var workers = Stages.Select(stage => SluiceProcess.Start(
            receiver.Environment(stage), "worker", "--stage", stage, "--bootstrap", bootstrap, "--data-dir", data)).ToList();
        try
        {
            await using var api = await SluiceProcess.StartReadyAsync(
                url, receiver.Environment("api"), "api", "--bootstrap", bootstrap, "--data-dir", data, "--urls", url.ToString().TrimEnd('/'));

            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(
                "Traces cross processes. The upload starts the trace in the API. Every worker continues it from the record headers."));
            content.Headers.ContentType = new("text/plain");
            using var response = await http.PostAsync(new Uri("v1/documents?filename=traced.txt", UriKind.Relative), content, Ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var id = (await response.Content.ReadFromJsonAsync<DocumentResponse>(Ct))!.Id;
            Assert.Equal("completed", (await CrashRecoveryTests.WaitForTerminalAsync(http, id)).Status);

            // The trace is the one the extract stage continued; every span of it is awaited (exports come every 100 ms).
            string? Trace(OtlpReceiver r) => r.Spans.FirstOrDefault(s => s.Attribute("sluice.document_id") == id && s.Attribute("sluice.stage") == "extract")?.TraceId;
            ReceivedSpan[] Mine(OtlpReceiver r) => Trace(r) is { } trace ? [.. r.Spans.Where(s => s.TraceId == trace)] : [];
            bool Complete(OtlpReceiver r)
            {
                var mine = Mine(r);
                var exported = mine.ToDictionary(s => s.SpanId);
                var stageSpans = mine.Where(s => s.Kind == ReceivedSpan.Consumer && Stages.Contains(s.Attribute("sluice.stage"))).ToList();
                return Stages.All(stage => stageSpans.Any(s => s.Attribute("sluice.stage") == stage))
                       && stageSpans.All(s => exported.ContainsKey(s.ParentSpanId))
                       && mine.Any(s => s.Attribute("sluice.stage") == "status-projection"
                                        && exported.TryGetValue(s.ParentSpanId, out var parent) && parent.Instance == "index")
                       && mine.Any(s => s.Kind == ReceivedSpan.Server && s.Instance == "api")
                       && mine.Any(s => s.Name == "send documents.submitted")
                       && mine.Any(s => s.Name.StartsWith("embeddings ", StringComparison.Ordinal) && s.Instance == "embed");
            }

            await receiver.WaitUntilAsync(Complete, TimeSpan.FromSeconds(60), () => $"{receiver.Spans.Count} spans in all, of this trace:\n" + string.Join('\n', Mine(receiver).Select(s => s.ToString())), Ct);
            var spans = Mine(receiver);
            var byId = spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());

            // The trace starts at the upload, in the API process.
            var upload = Assert.Single(spans, s => s.Kind == ReceivedSpan.Server);
            Assert.Equal("api", upload.Instance);
            Assert.Equal("", upload.ParentSpanId);
            Assert.Equal("POST", upload.Attribute("http.request.method"));

            // Every stage's span, in its own process, is the child of the producer span that sent its input, in the
            // process upstream: the trace crosses every process boundary through the record headers.
            foreach (var stage in Stages)
            {
                var (topic, from) = Upstream[stage];
                var consumed = spans.Where(s => s.Kind == ReceivedSpan.Consumer && s.Attribute("sluice.stage") == stage).ToList();
                Assert.NotEmpty(consumed);
                Assert.All(consumed, span =>
                {
                    Assert.Equal(stage, span.Instance);
                    Assert.Equal("process " + topic, span.Name);
                    Assert.Equal("kafka", span.Attribute("messaging.system"));
                    Assert.Equal("succeeded", span.Attribute("sluice.outcome"));
                    Assert.True(byId.TryGetValue(span.ParentSpanId, out var parent), $"the parent of {span} was not exported");
                    Assert.Equal(ReceivedSpan.Producer, parent.Kind);
                    Assert.Equal("send " + topic, parent.Name);
                    Assert.Equal(from, parent.Instance);
                    Assert.Equal("kafka", parent.Attribute("messaging.system"));
                    Assert.NotNull(parent.Attribute("messaging.kafka.offset"));
                });
            }

            // The status projection (in the API process) applies the status events the workers sent.
            var projected = spans.Where(s => s.Attribute("sluice.stage") == "status-projection").ToList();
            Assert.All(projected, s => Assert.Equal("api", s.Instance));
            Assert.Contains(projected, s => byId.TryGetValue(s.ParentSpanId, out var parent) && parent.Name == "send documents.status" && parent.Instance == "index");

            // The upload's producer span hangs (through the request) from the upload; its blob was written in a span too.
            var submit = Assert.Single(spans, s => s.Name == "send documents.submitted");
            Assert.Equal(upload.TraceId, submit.TraceId);
            Assert.Contains(spans, s => s.Name == "sluice.blob put" && s.Instance == "api" && s.Attribute("sluice.blob.size") is not null);

            // Stage order: extract, then chunk, then embed, then index.
            ulong Start(string stage) => spans.Where(s => s.Kind == ReceivedSpan.Consumer && s.Attribute("sluice.stage") == stage).Min(s => s.StartUnixNano);
            Assert.True(upload.StartUnixNano <= Start("extract"));
            Assert.True(Start("extract") < Start("chunk"), "extract starts before chunk");
            Assert.True(Start("chunk") < Start("embed"), "chunk starts before embed");
            Assert.True(Start("embed") < Start("index"), "embed starts before index");

            // The model call, in the embedder's process, in the trace of the document it embeds.
            var embedding = Assert.Single(spans, s => s.Name.StartsWith("embeddings ", StringComparison.Ordinal) && s.Instance == "embed");
            Assert.Equal("embeddings", embedding.Attribute("gen_ai.operation.name"));
            Assert.Equal("all-MiniLM-L6-v2", embedding.Attribute("gen_ai.request.model"));
            Assert.True(long.Parse(embedding.Attribute("gen_ai.usage.input_tokens")!, System.Globalization.CultureInfo.InvariantCulture) > 0);

            // Metrics go by OTLP too, from the worker processes: the extract worker counts its record.
            await receiver.WaitUntilAsync(
                r => r.Points.Any(p => p.Metric == "sluice.stage.records" && p.Instance == "extract" && Equals(p.Attributes.GetValueOrDefault("outcome"), "succeeded") && p.Value >= 1),
                TimeSpan.FromSeconds(30),
                () => string.Join(", ", receiver.Points.Select(p => $"{p.Instance}:{p.Metric}").Distinct()),
                Ct);
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }

            TryDelete(data);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

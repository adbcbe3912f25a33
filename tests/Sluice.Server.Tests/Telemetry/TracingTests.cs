using System.Diagnostics;
using System.Text;
using OpenTelemetry.Trace;

namespace Sluice.Server.Tests.Telemetry;

/// <summary>One uploaded document, one trace: the upload's request span and every stage's span share its trace id.</summary>
public sealed class TracingTests
{
    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task OneDocument_IsOneTrace_FromTheUploadThroughEveryStage(string log)
    {
        var spans = new List<Activity>();
        await using var host = await SluiceTestHost.StartOnAsync(
            log,
            new Dictionary<string, string?> { ["Sluice:Telemetry:Tracing"] = "true" },
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)));

        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("A traced document. It goes through every stage, and every stage says so."), "traced.txt");
        var done = await host.WaitForTerminalAsync(document.Id);
        Assert.Equal("completed", done.Status);

        // The exporter sees every span of the process (other tests' hosts too): this document's are tagged with its id.
        Activity[] mine;
        var stages = new[] { "extract", "chunk", "embed", "index", "summarize" };
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            lock (spans)
            {
                mine = [.. spans.Where(s => (s.GetTagItem("sluice.document_id") as string) == document.Id)];
            }
        }
        while (stages.Any(st => !mine.Any(s => (s.GetTagItem("sluice.stage") as string) == st)) && DateTime.UtcNow < deadline && await Pause());

        var traceId = Assert.Single(mine.Select(s => s.TraceId).Distinct());
        Assert.All(stages, st => Assert.Contains(mine, s => (s.GetTagItem("sluice.stage") as string) == st && s.Kind == ActivityKind.Consumer));
        Activity[] requests;
        lock (spans)
        {
            requests = [.. spans.Where(s => s.TraceId == traceId && s.Kind == ActivityKind.Server)];
        }

        var upload = Assert.Single(requests);
        Assert.Equal("POST", upload.GetTagItem("http.request.method"));
        Assert.Null(upload.Parent); // the trace starts at the upload

        // Stage order: each stage's span starts after the span of the stage it follows.
        DateTime Start(string stage) => mine.Where(s => (s.GetTagItem("sluice.stage") as string) == stage).Min(s => s.StartTimeUtc);
        Assert.True(Start("extract") <= Start("chunk") && Start("chunk") <= Start("embed") && Start("embed") <= Start("index"));
        Assert.True(upload.StartTimeUtc <= Start("extract"));
        var extract = mine.First(s => (s.GetTagItem("sluice.stage") as string) == "extract");
        Assert.Equal("documents.submitted", extract.GetTagItem("messaging.destination.name"));
        Assert.Equal("extract", extract.GetTagItem("messaging.consumer.group.name"));
        Assert.NotNull(extract.GetTagItem("messaging.kafka.offset"));
        Assert.Equal("succeeded", extract.GetTagItem("sluice.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, extract.Status);
    }

    [Fact]
    public async Task AStageThatDeadLetters_MarksItsSpanAsAnError()
    {
        var spans = new List<Activity>();
        await using var host = await SluiceTestHost.StartAsync(
            new Dictionary<string, string?> { ["Sluice:Telemetry:Tracing"] = "true" },
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)));
        var docx = TestDocuments.Docx("A paragraph that will never be read.");

        var document = await host.AcceptAsync(docx[..(docx.Length / 2)], "cut.docx");
        Assert.Equal("dead_lettered", (await host.WaitForTerminalAsync(document.Id)).Status);

        Activity? extract = null;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (extract is null && DateTime.UtcNow < deadline && await Pause())
        {
            lock (spans)
            {
                extract = spans.FirstOrDefault(s => (s.GetTagItem("sluice.document_id") as string) == document.Id && (s.GetTagItem("sluice.stage") as string) == "extract");
            }
        }

        Assert.NotNull(extract);
        Assert.Equal(ActivityStatusCode.Error, extract.Status);
        Assert.Equal("dead_lettered", extract.GetTagItem("sluice.outcome"));
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(50, TestContext.Current.CancellationToken);
        return true;
    }
}

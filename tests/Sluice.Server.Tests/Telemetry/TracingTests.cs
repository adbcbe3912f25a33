using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Tests.Telemetry;

/// <summary>One uploaded document, one trace: the upload's request span and every stage's span share its trace id.</summary>
public sealed class TracingTests
{
    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task OneDocument_IsOneTrace_FromTheUploadThroughEveryStage(string log)
    {
        var spans = new LockedSpans();
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
        Assert.Equal(log == "kafka" ? "kafka" : "sluice", extract.GetTagItem("messaging.system"));

        // Each stage's span is the child of the producer span that sent its input, which the record carried.
        Activity[] producers;
        lock (spans)
        {
            producers = [.. spans.Where(s => s.TraceId == traceId && s.Kind == ActivityKind.Producer)];
        }

        var submitted = Assert.Single(producers, p => p.DisplayName == "send documents.submitted");
        Assert.Equal(submitted.SpanId, extract.ParentSpanId);
        Assert.Equal(log == "kafka" ? "kafka" : "sluice", submitted.GetTagItem("messaging.system"));
        Assert.NotNull(submitted.GetTagItem("messaging.kafka.offset"));
        var chunk = mine.First(s => (s.GetTagItem("sluice.stage") as string) == "chunk");
        Assert.Contains(producers, p => p.SpanId == chunk.ParentSpanId && p.DisplayName == "send documents.extracted" && p.ParentSpanId == extract.SpanId);
        Assert.Equal(ActivityStatusCode.Unset, extract.Status);
    }

    [Fact]
    public async Task AStageThatDeadLetters_MarksItsSpanAsAnError()
    {
        var spans = new LockedSpans();
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

    [Fact]
    public async Task ARetriedRecord_StaysInItsDocumentsTrace_AndItsNewSpanLinksToTheFailedAttempt()
    {
        var spans = new LockedSpans();
        await using var host = await SluiceTestHost.StartAsync(
            new Dictionary<string, string?> { ["Sluice:Telemetry:Tracing"] = "true", ["Sluice:RetryDelays"] = "1s" },
            services =>
            {
                services.AddSingleton<IEmbedder>(new FailingOnceEmbedder());
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
            });

        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("A provider that fails once, then answers."), "retried.txt");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(document.Id, TimeSpan.FromSeconds(60))).Status);

        // The stage that met the failure (embed or summarize, whichever called first) has two spans of this document.
        Activity? failed = null, retried = null;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((failed is null || retried is null) && DateTime.UtcNow < deadline && await Pause())
        {
            lock (spans)
            {
                failed = spans.FirstOrDefault(s => (s.GetTagItem("sluice.document_id") as string) == document.Id && (s.GetTagItem("sluice.outcome") as string) == "retried");
                retried = failed is null ? null : spans.FirstOrDefault(s => (s.GetTagItem("sluice.document_id") as string) == document.Id
                    && (s.GetTagItem("sluice.stage") as string) == (failed.GetTagItem("sluice.stage") as string)
                    && (s.GetTagItem("sluice.outcome") as string) == "succeeded");
            }
        }

        Assert.NotNull(failed);
        Assert.NotNull(retried);
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal(failed.TraceId, retried.TraceId); // the same document's trace
        Assert.Equal(failed.ParentSpanId, retried.ParentSpanId); // both handle the record its upstream stage sent
        Assert.StartsWith(Topics.Retry((string)failed.GetTagItem("sluice.stage")!, TimeSpan.FromSeconds(1)), retried.GetTagItem("messaging.destination.name") as string, StringComparison.Ordinal);
        var link = Assert.Single(retried.Links);
        Assert.Equal(failed.SpanId, link.Context.SpanId);
        Assert.Equal(failed.TraceId, link.Context.TraceId);

        // Sending the record to the retry topic is a producer span of the failed attempt.
        lock (spans)
        {
            Assert.Contains(spans, s => s.Kind == ActivityKind.Producer && s.ParentSpanId == failed.SpanId
                && s.DisplayName == "send " + Topics.Retry((string)failed.GetTagItem("sluice.stage")!, TimeSpan.FromSeconds(1)));
        }
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(50, TestContext.Current.CancellationToken);
        return true;
    }
}

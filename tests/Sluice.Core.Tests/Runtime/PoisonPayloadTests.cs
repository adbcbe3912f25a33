using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Events;
using Sluice.Core.Runtime;
using Sluice.Core.Runtime.Internal;
using Sluice.Core.Stages;

namespace Sluice.Core.Tests.Runtime;

/// <summary>A valid envelope whose payload is not what the stage reads is poison: dead-lettered after one attempt, not retried.</summary>
public class PoisonPayloadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, object> Payloads => new()
    {
        { "another type's fields", new { Step = 1 } },
        { "not an object", 42 },
        { "a field that may not be null is null", new { Source = (object?)null, FileName = "a.pdf", Format = "pdf" } },
        { "a nested field is missing", new { Source = new { Uri = "blob:x" }, FileName = "a.pdf", Format = "pdf" } },
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task APayloadThatDoesNotDeserialize_IsDeadLetteredAfterOneAttempt_WithAClearReason(string why, object payload)
    {
        var log = new RecordingEventLog();
        var stage = new ReadingStage();
        var processor = new RecordProcessor(
            stage, log.CreateProducer(), new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)] }, TimeProvider.System, NullLogger.Instance);

        Assert.True(await processor.ProcessAsync(TestRecords.Of(payload), Ct));

        Assert.Equal(1, stage.Calls);
        Assert.DoesNotContain(log.Produced, r => r.Topic == Topics.Retry("s", TimeSpan.FromSeconds(10)));
        var dead = Assert.Single(log.Produced, r => r.Topic == Topics.DeadLetter("s"));
        Assert.Equal("1", dead.Headers![Headers.Attempts]);
        Assert.Equal("permanent", dead.Headers[Headers.ErrorType]);
        Assert.StartsWith("the event's payload is not a valid DocumentSubmitted", dead.Headers[Headers.ErrorMessage], StringComparison.Ordinal);
        var final = TestRecords.Statuses(log)[^1];
        Assert.True(final.State == StageState.DeadLettered, why);
    }

    [Fact]
    public async Task WithoutRetryTopics_APayloadThatDoesNotDeserialize_FailsAtOnce_InsteadOfBeingRetriedInPlace()
    {
        var log = new RecordingEventLog();
        var stage = new ReadingStage();
        var processor = new RecordProcessor(stage, log.CreateProducer(), new StageRunnerOptions(), TimeProvider.System, NullLogger.Instance);

        Assert.True(await processor.ProcessAsync(TestRecords.Of(new { Step = 1 }), Ct));

        Assert.Equal(1, stage.Calls);
        var failed = TestRecords.Statuses(log)[^1];
        Assert.Equal(StageState.Failed, failed.State);
        Assert.Equal("permanent", failed.ErrorType);
    }

    [Fact]
    public void AValidPayload_StillReads_WithItsOptionalFieldsLeftOut()
    {
        var extracted = new DocumentExtracted(
            new BlobReference("blob:a", "a", 1, "text/plain"), new BlobReference("blob:b", "b", 1, "text/plain"), "text", 1, Pages: null);
        var envelope = EventEnvelope.Parse(EventEnvelope.Create("t", "default", "doc", extracted, "id", TestRecords.Now).ToUtf8Json());

        Assert.Equal(extracted with { Pages = null }, envelope.GetData<DocumentExtracted>() with { Pages = null });
        Assert.Equal("extract", EventEnvelope.Create("t", "default", "doc", new StageStatusChanged("extract", StageState.Running, 1), "id", TestRecords.Now)
            .GetData<StageStatusChanged>().Stage);
    }

    /// <summary>Reads its input the way the pipeline's stages do.</summary>
    private sealed class ReadingStage : IStage
    {
        public int Calls { get; private set; }

        public string Name => "s";

        public string InputTopic => "s.in";

        public Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
        {
            Calls++;
            var submitted = context.Input.GetData<DocumentSubmitted>();
            return Task.FromResult(submitted.Source.Uri.Length > 0 ? StageResult.Success() : StageResult.Permanent("empty"));
        }
    }
}

using Sluice.Core.Events;

namespace Sluice.Core.Stages;

/// <summary>
/// A pipeline stage: reads one input topic in its own consumer group and turns each event into zero
/// or more output events. It says what happened; the runtime decides what to do about it (retry,
/// fail, commit). A stage must be idempotent: the same input may be delivered more than once.
/// </summary>
public interface IStage
{
    /// <summary>Stage name; also its consumer group and the key of its status.</summary>
    string Name { get; }

    /// <summary>The one topic this stage consumes.</summary>
    string InputTopic { get; }

    Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default);
}

/// <summary>What a stage gets for one input event.</summary>
public sealed class StageContext(EventEnvelope input, int attempt, Func<double, CancellationToken, Task> reportProgress)
{
    public EventEnvelope Input { get; } = input;

    /// <summary>1-based attempt of this delivery.</summary>
    public int Attempt { get; } = attempt;

    /// <summary>Reports progress (0..1) to the document's status; cheap to call often (throttled).</summary>
    public Task ReportProgressAsync(double fraction, CancellationToken cancellationToken = default)
        => reportProgress(fraction, cancellationToken);

    /// <summary>Builds an output event of this input, with a deterministic id.</summary>
    /// <remarks>The output belongs to the same batch of its document as the input (<see cref="EventEnvelope.Part"/>).</remarks>
    public OutputEvent Output<T>(string topic, string stage, int index, T data, DateTimeOffset now)
        => new(topic, EventEnvelope.Create(
            topic, Input.Tenant, Input.DocumentId, data, Ids.Output(Input.Id, stage, index), now, revision: Input.Revision) with { Part = Input.Part });
}

/// <summary>An event a stage asks the runtime to publish.</summary>
public sealed record OutputEvent(string Topic, EventEnvelope Envelope);

/// <summary>The outcome of handling one event.</summary>
public abstract record StageResult
{
    public static StageResult Success(params IReadOnlyList<OutputEvent> outputs) => new Succeeded(outputs, null, null);

    /// <param name="outputs">Events to publish.</param>
    /// <param name="facts">Counts for the document's status, e.g. <c>chunks</c>.</param>
    /// <param name="blobs">Blobs this stage wrote for the document, so that deleting the document can remove them.</param>
    public static StageResult Success(
        IReadOnlyList<OutputEvent> outputs, IReadOnlyDictionary<string, long> facts, IReadOnlyList<BlobReference>? blobs = null)
        => new Succeeded(outputs, facts, blobs);

    /// <summary>Worth trying again later: timeouts, unavailable dependencies, rate limits.</summary>
    public static StageResult Transient(string reason, Exception? exception = null, TimeSpan? retryAfter = null)
        => new TransientFailure(reason, exception, retryAfter);

    /// <summary>Never going to work for this input: corrupt, unsupported or invalid content.</summary>
    public static StageResult Permanent(string reason, Exception? exception = null) => new PermanentFailure(reason, exception);

    public sealed record Succeeded(
        IReadOnlyList<OutputEvent> Outputs, IReadOnlyDictionary<string, long>? Facts, IReadOnlyList<BlobReference>? Blobs) : StageResult;

    public sealed record TransientFailure(string Reason, Exception? Exception, TimeSpan? RetryAfter) : StageResult;

    public sealed record PermanentFailure(string Reason, Exception? Exception) : StageResult;
}

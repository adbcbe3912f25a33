using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Core.Runtime.Internal;

/// <summary>
/// Handles one consumed record for one stage: parse, note the start in the attempt journal, report status, call the
/// stage within its time limit, retry transient failures (on retry topics, or in place), publish outputs and the
/// final status. Returns true when the record is finished
/// (its offset may be committed) and false when it was abandoned on shutdown (it will be redelivered).
/// </summary>
internal sealed class RecordProcessor(
    IStage stage, IEventProducer producer, StageRunnerOptions options, TimeProvider time, ILogger logger,
    Action<TimeSpan>? pauseConsumption = null)
{
    private readonly ProjectionStalls _stalls = new(stage.Name, options.Readiness, time);

    /// <summary>Projections keep no journal: they never give up on an event, and applying a status event cannot crash a process.</summary>
    private readonly CrashLoopGuard _crashLoops = new(options.IsProjection ? null : options.AttemptJournal, stage.Name, options.MaxWorkerDeaths, logger);

    private bool UsesRetryTopics => options.RetryDelays.Count > 0 && !options.IsProjection;

    public async Task<bool> ProcessAsync(ConsumedRecord record, CancellationToken cancellationToken)
    {
        var metrics = options.Metrics;
        metrics.Started(stage.Name);
        var started = time.GetTimestamp();
        var outcome = StageOutcome.Abandoned;
        try
        {
            outcome = await HandleAsync(record, cancellationToken);
            return outcome != StageOutcome.Abandoned;
        }
        finally
        {
            metrics.Finished(stage.Name, outcome, time.GetElapsedTime(started));
        }
    }

    private async Task<StageOutcome> HandleAsync(ConsumedRecord record, CancellationToken cancellationToken)
    {
        EventEnvelope input;
        try
        {
            input = EventEnvelope.Parse(record.Value.Span);
        }
        catch (JsonException ex)
        {
            RuntimeLog.PoisonRecord(logger, stage.Name, record.Topic, record.Partition, record.Offset, ex.Message);
            if (options.IsProjection)
            {
                RuntimeMetrics.SkippedEvents.Add(1, new KeyValuePair<string, object?>("stage", stage.Name));
            }
            else if (UsesRetryTopics)
            {
                await PublishAsync([DeadLetterRecord(record, record.Key, PreviousAttempts(record) + 1, "invalid-event", $"not a Sluice event: {ex.Message}")], cancellationToken);
                return StageOutcome.DeadLettered;
            }

            return StageOutcome.Skipped;
        }

        // One span per handled record, named and tagged as the OpenTelemetry messaging conventions say ("process").
        // A retry or a replay links to the span of the attempt that failed; its parent stays the event's producer.
        using var activity = EventRecords.ActivitySource.HasListeners()
            ? EventRecords.ActivitySource.StartActivity(
                $"process {record.Topic}", ActivityKind.Consumer, EventRecords.ParentContext(record), links: EventRecords.FailedAttemptLink(record))
            : null;
        if (activity is not null)
        {
            activity.SetTag("messaging.system", options.MessagingSystem);
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", record.Topic);
            activity.SetTag("messaging.destination.partition.id", record.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
            activity.SetTag("messaging.kafka.offset", record.Offset);
            activity.SetTag("messaging.consumer.group.name", stage.Name);
            activity.SetTag("messaging.message.id", input.Id);
            activity.SetTag("sluice.stage", stage.Name);
            activity.SetTag("sluice.document_id", input.DocumentId);
            activity.SetTag("sluice.tenant", input.Tenant);
        }

        var outcome = await HandleEventAsync(record, input, cancellationToken);
        if (activity is not null && outcome != StageOutcome.Abandoned)
        {
            activity.SetTag("sluice.outcome", PipelineMetrics.Name(outcome));
            if (outcome is StageOutcome.Retried or StageOutcome.DeadLettered or StageOutcome.Failed)
            {
                activity.SetStatus(ActivityStatusCode.Error, PipelineMetrics.Name(outcome));
            }
        }

        return outcome;
    }

    private async Task<StageOutcome> HandleEventAsync(ConsumedRecord record, EventEnvelope input, CancellationToken cancellationToken)
    {
        try
        {
            var history = await _crashLoops.BeginAsync(record, cancellationToken);
            if (_crashLoops.GivesUp(history))
            {
                return await GiveUpAfterDeathsAsync(record, input, history!.DeathsAlone, cancellationToken);
            }

            return UsesRetryTopics
                ? await HandleWithRetryTopicsAsync(record, input, history, cancellationToken)
                : await HandleWithRetriesAsync(record, input, Replays(record), history, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return StageOutcome.Abandoned;
        }
        finally
        {
            // Finished, or handed back on shutdown: either way this process did not die handling it.
            await _crashLoops.EndAsync(record);
        }
    }

    /// <summary>
    /// Processes died handling this record <paramref name="deaths"/> times (it likely kills whoever handles it): it is
    /// dead-lettered (or, without retry topics, failed) without being handled again.
    /// </summary>
    private async Task<StageOutcome> GiveUpAfterDeathsAsync(ConsumedRecord record, EventEnvelope input, int deaths, CancellationToken cancellationToken)
    {
        RuntimeLog.CrashLoop(logger, stage.Name, input.DocumentId, deaths, record.Topic, record.Partition, record.Offset);
        var reason = $"the worker died while handling this document ({deaths} times in {stage.Name})";
        var attempt = PreviousAttempts(record) + 1;
        if (UsesRetryTopics)
        {
            await DeadLetterAsync(record, input, attempt, "permanent", reason, cancellationToken);
            return StageOutcome.DeadLettered;
        }

        RuntimeLog.PermanentFailure(logger, stage.Name, input.DocumentId, reason);
        await PublishStatusAsync(input, Replays(record), Failed(attempt, reason, "permanent"), cancellationToken);
        return StageOutcome.Failed;
    }

    /// <summary>
    /// One attempt per delivery: a transient failure moves the record to the next retry tier (handled once its
    /// delay has passed, without holding up the input topic) and the stage reports <see cref="StageState.Retrying"/>
    /// until then; past the last tier, or on a permanent failure, it goes to the dead-letter topic. Either publish is
    /// acknowledged, with its status, before the input's offset may be committed. An open circuit is not an attempt
    /// and not a failure: consumption pauses, the stage stays running, and the same attempt runs again after the break.
    /// </summary>
    private async Task<StageOutcome> HandleWithRetryTopicsAsync(ConsumedRecord record, EventEnvelope input, AttemptHistory? history, CancellationToken cancellationToken)
    {
        var attempt = PreviousAttempts(record) + 1;
        var replays = Replays(record);

        // The stage starts while the log acknowledges "running": every later report of this attempt waits for that
        // acknowledgement, so the document's status events stay in order, and a small document does not pay one more
        // durable commit of latency per stage. Its work before the acknowledgement is redone on a redelivery like any other.
        var running = PublishStatusAsync(input, replays, new StageStatusChanged(stage.Name, StageState.Running, attempt), cancellationToken);
        while (true)
        {
            StageResult result;
            try
            {
                result = await InvokeStageAsync(record, input, replays, attempt, history, cancellationToken, running);
            }
            catch
            {
                await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                throw;
            }

            await running;
            switch (result)
            {
                case StageResult.Succeeded success:
                    return await PublishSuccessAsync(input, replays, attempt, success, cancellationToken);

                case StageResult.TransientFailure { Exception: ProviderException { IsCircuitOpen: true } open }:
                    var pause = open.RetryAfter is { } after && after > TimeSpan.Zero ? after : options.InitialBackoff;
                    RuntimeLog.CircuitOpen(logger, stage.Name, input.DocumentId, pause);

                    // The attempt did not fail (it was not even tried): it waits, shown as retrying until the break
                    // ends, and then goes on as the same attempt.
                    pauseConsumption?.Invoke(pause);
                    var resumeAt = DateTimeOffset.FromUnixTimeMilliseconds((time.GetUtcNow() + pause).ToUnixTimeMilliseconds());
                    var occasion = "circuit-" + resumeAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                    await PublishStatusAsync(input, replays, Retrying(attempt, resumeAt, open.Message), cancellationToken, occasion);
                    await Task.Delay(pause, time, cancellationToken);
                    await PublishStatusAsync(
                        input, replays, new StageStatusChanged(stage.Name, StageState.Running, attempt, Resumed: true), cancellationToken, occasion);
                    continue;

                case StageResult.TransientFailure failure when attempt <= options.RetryDelays.Count:
                    var tier = options.RetryDelays[attempt - 1];
                    var delay = failure.RetryAfter is { } retryAfter && retryAfter > tier ? retryAfter : tier;
                    var topic = Topics.Retry(stage.Name, tier);
                    RuntimeLog.Retrying(logger, stage.Name, input.DocumentId, attempt, topic, delay, failure.Reason, failure.Exception);
                    // Whole milliseconds, as the header carries it: the status then names the very moment the retry is due.
                    // The failure's time and the due time come from one reading of the clock, so they are exactly the delay apart.
                    var failedAt = time.GetUtcNow();
                    var notBefore = DateTimeOffset.FromUnixTimeMilliseconds((failedAt + delay).ToUnixTimeMilliseconds());
                    var records = new List<OutgoingRecord>(2);
                    if (options.ReportStatus)
                    {
                        records.Add(EventRecords.ToRecord(Topics.DocumentsStatus, StatusEnvelope(input, replays, Retrying(attempt, notBefore, failure.Reason))));
                    }

                    records.Add(RetryRecord(record, topic, attempt, failedAt, notBefore, failure.Reason));
                    await PublishAsync(records, cancellationToken);
                    return StageOutcome.Retried;

                case StageResult.TransientFailure failure:
                    await DeadLetterAsync(record, input, attempt, "transient", $"{failure.Reason} (gave up after {attempt} attempts)", cancellationToken, failure.Exception);
                    return StageOutcome.DeadLettered;

                case StageResult.PermanentFailure failure:
                    await DeadLetterAsync(record, input, attempt, "permanent", failure.Reason, cancellationToken, failure.Exception);
                    return StageOutcome.DeadLettered;

                default:
                    throw new InvalidOperationException($"Unknown stage result {result.GetType().Name}.");
            }
        }
    }

    private async Task DeadLetterAsync(
        ConsumedRecord record, EventEnvelope input, int attempt, string errorType, string reason, CancellationToken cancellationToken,
        Exception? cause = null)
    {
        RuntimeLog.DeadLettered(logger, stage.Name, input.DocumentId, Topics.DeadLetter(stage.Name), reason, cause);
        var records = new List<OutgoingRecord> { DeadLetterRecord(record, input.DocumentId, attempt, errorType, reason) };
        if (options.ReportStatus)
        {
            var status = new StageStatusChanged(stage.Name, StageState.DeadLettered, attempt, Error: reason, ErrorType: errorType);
            records.Add(EventRecords.ToRecord(Topics.DocumentsStatus, StatusEnvelope(input, Replays(record), status)));
        }

        await PublishAsync(records, cancellationToken);
    }

    private OutgoingRecord RetryRecord(
        ConsumedRecord record, string topic, int attempt, DateTimeOffset failedAt, DateTimeOffset notBefore, string reason)
    {
        var headers = FailureHeaders(record, attempt, "transient", reason, failedAt);
        headers[Headers.NotBefore] = notBefore.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return new OutgoingRecord(topic, record.Key, record.Value, headers);
    }

    private OutgoingRecord DeadLetterRecord(ConsumedRecord record, string documentId, int attempt, string errorType, string reason)
    {
        var headers = FailureHeaders(record, attempt, errorType, reason);
        headers[Headers.DocumentId] = documentId;
        headers.Remove(Headers.NotBefore);
        return new OutgoingRecord(Topics.DeadLetter(stage.Name), record.Key, record.Value, headers);
    }

    /// <summary>
    /// The record's own headers (its <c>traceparent</c> too: it stays in its document's trace), plus where it came from
    /// (kept from the first failure on), this failure, and the span of the attempt that failed, for the next to link to.
    /// </summary>
    private Dictionary<string, string> FailureHeaders(
        ConsumedRecord record, int attempt, string errorType, string reason, DateTimeOffset? failedAt = null)
    {
        var now = (failedAt ?? time.GetUtcNow()).ToString("O", CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(record.Headers, StringComparer.Ordinal);
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } failedSpan } && failedSpan != record.Headers.GetValueOrDefault(Headers.TraceParent))
        {
            headers[Headers.FailedAttempt] = failedSpan;
        }
        else
        {
            headers.Remove(Headers.FailedAttempt);
        }

        headers.TryAdd(Headers.OriginalTopic, record.Topic);
        headers.TryAdd(Headers.OriginalPartition, record.Partition.ToString(CultureInfo.InvariantCulture));
        headers.TryAdd(Headers.OriginalOffset, record.Offset.ToString(CultureInfo.InvariantCulture));
        headers.TryAdd(Headers.FirstFailureAt, now);
        headers[Headers.ConsumerGroup] = stage.Name;
        headers[Headers.Attempts] = attempt.ToString(CultureInfo.InvariantCulture);
        headers[Headers.FailedAt] = now;
        headers[Headers.ErrorType] = errorType;
        headers[Headers.ErrorMessage] = reason.Length <= options.MaxErrorMessageLength ? reason : reason[..options.MaxErrorMessageLength] + "…";
        return headers;
    }

    /// <summary>How often the record was replayed from a dead-letter topic: a replay's attempts are new attempts.</summary>
    private static int Replays(ConsumedRecord record)
        => record.Headers.TryGetValue(Headers.ReplayCount, out var value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var replays)
            ? replays
            : 0;

    private static int PreviousAttempts(ConsumedRecord record)
        => record.Headers.TryGetValue(Headers.Attempts, out var value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var attempts)
            ? attempts
            : 0;

    /// <summary>
    /// Without retry topics: transient failures are retried in place, up to <see cref="StageRunnerOptions.MaxAttempts"/>
    /// for a stage and for as long as it takes for a projection, which never commits past an event it did not apply.
    /// </summary>
    private async Task<StageOutcome> HandleWithRetriesAsync(
        ConsumedRecord record, EventEnvelope input, int replays, AttemptHistory? history, CancellationToken cancellationToken)
    {
        using var stall = _stalls.Track();
        for (var attempt = 1; ; attempt++)
        {
            await PublishStatusAsync(input, replays, new StageStatusChanged(stage.Name, StageState.Running, attempt), cancellationToken);
            var result = await InvokeStageAsync(record, input, replays, attempt, history, cancellationToken);
            switch (result)
            {
                case StageResult.Succeeded success:
                    if (stall.Stalled)
                    {
                        RuntimeLog.ProjectionRecovered(logger, stage.Name, record.Topic, record.Partition, record.Offset, attempt);
                    }

                    return await PublishSuccessAsync(input, replays, attempt, success, cancellationToken);

                case StageResult.PermanentFailure failure when options.IsProjection:
                    // The one case where a projection moves past an event it did not apply: it never can.
                    RuntimeLog.ProjectionSkipped(logger, stage.Name, record.Topic, record.Partition, record.Offset, input.DocumentId, failure.Reason);
                    RuntimeMetrics.SkippedEvents.Add(1, new KeyValuePair<string, object?>("stage", stage.Name));
                    return StageOutcome.Skipped;

                case StageResult.PermanentFailure failure:
                    RuntimeLog.PermanentFailure(logger, stage.Name, input.DocumentId, failure.Reason, failure.Exception);
                    await PublishStatusAsync(input, replays, Failed(attempt, failure.Reason, "permanent"), cancellationToken);
                    return StageOutcome.Failed;

                case StageResult.TransientFailure failure when options.IsProjection:
                    var wait = Backoff(attempt, failure.RetryAfter);
                    stall.Failed(
                        $"{stage.Name} has not applied {record.Topic}[{record.Partition}]@{record.Offset} after {attempt} attempt(s) " +
                        $"({failure.Exception?.GetType().Name ?? "transient failure"}); it commits nothing past it and retries");
                    RuntimeLog.ProjectionStalled(logger, stage.Name, record.Topic, record.Partition, record.Offset, attempt, wait, failure.Reason);
                    await Task.Delay(wait, time, cancellationToken);
                    break;

                case StageResult.TransientFailure failure when attempt < options.MaxAttempts:
                    var delay = Backoff(attempt, failure.RetryAfter);
                    RuntimeLog.TransientFailure(logger, stage.Name, input.DocumentId, attempt, delay, failure.Reason, failure.Exception);
                    var next = time.GetUtcNow() + delay;
                    await PublishStatusAsync(input, replays, Retrying(attempt, next, failure.Reason), cancellationToken);
                    var remaining = next - time.GetUtcNow();
                    if (remaining > TimeSpan.Zero)
                    {
                        await Task.Delay(remaining, time, cancellationToken);
                    }

                    break;

                case StageResult.TransientFailure failure:
                    var reason = $"{failure.Reason} (gave up after {attempt} attempts)";
                    RuntimeLog.PermanentFailure(logger, stage.Name, input.DocumentId, reason, failure.Exception);
                    await PublishStatusAsync(input, replays, Failed(attempt, reason, "permanent"), cancellationToken);
                    return StageOutcome.Failed;

                default:
                    throw new InvalidOperationException($"Unknown stage result {result.GetType().Name}.");
            }
        }
    }

    /// <summary>Runs the stage once; <paramref name="reported"/>, when given, is the acknowledgement of this attempt's "running" report, which progress reports wait for.</summary>
    private async Task<StageResult> InvokeStageAsync(
        ConsumedRecord record, EventEnvelope input, int replays, int attempt, AttemptHistory? history, CancellationToken cancellationToken,
        Task? reported = null)
    {
        // Progress is reported at most once per interval, the first time one interval into the attempt: a document done
        // sooner reports none (its next report says succeeded anyway). The first report used to be measured from
        // long.MinValue, whose distance to now overflows to a negative time, so no progress was ever reported.
        var lastProgress = time.GetTimestamp();
        var over = false;
        var context = new StageContext(input, attempt, async (fraction, token) =>
        {
            var now = time.GetTimestamp();

            // An attempt abandoned at its time limit may still be running: it no longer speaks for the document.
            if (!options.ReportStatus || over || time.GetElapsedTime(lastProgress, now) < options.ProgressInterval)
            {
                return;
            }

            lastProgress = now;
            if (reported is not null)
            {
                await reported.WaitAsync(token);
            }

            var progress = Math.Round(Math.Clamp(fraction, 0, 1), 2);
            await PublishStatusAsync(input, replays, new StageStatusChanged(stage.Name, StageState.Running, attempt, Progress: progress), token);
        });

        // A suspect (in flight when a process died) runs alone in this process, everything else beside each other.
        using var gate = await _crashLoops.EnterAsync(record, history, cancellationToken);
        try
        {
            var result = await StageDeadline.RunAsync(
                token => stage.HandleAsync(context, token), options.TimeLimit, time,
                () => RuntimeLog.Abandoned(logger, stage.Name, input.DocumentId, options.TimeLimit), cancellationToken);
            if (result is null)
            {
                var reason = $"{stage.Name} took longer than {options.TimeLimit:c} on this document and was stopped";
                return options.IsProjection ? StageResult.Transient(reason) : StageResult.Permanent(reason);
            }

            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (InvalidPayloadException ex)
        {
            // Poison: the event will never read differently, so trying again only delays the dead letter.
            return StageResult.Permanent(ex.Message, ex);
        }
        catch (Exception ex)
        {
            // An exception the stage did not classify: assume it may pass (I/O, timeouts, busy stores). Its message
            // can name internal hosts, paths or queries: clients see the type, the log (with the failure) the rest.
            return StageResult.Transient($"the stage failed unexpectedly ({ex.GetType().Name}); the cause is in the log", ex);
        }
        finally
        {
            over = true;
        }
    }

    private async Task<StageOutcome> PublishSuccessAsync(
        EventEnvelope input, int replays, int attempt, StageResult.Succeeded success, CancellationToken cancellationToken)
    {
        var records = new List<OutgoingRecord>(success.Outputs.Count + 1);
        records.AddRange(success.Outputs.Select(o => EventRecords.ToRecord(o.Topic, o.Envelope)));
        if (options.ReportStatus)
        {
            var status = new StageStatusChanged(stage.Name, StageState.Succeeded, attempt, Facts: success.Facts, Blobs: success.Blobs);
            records.Add(EventRecords.ToRecord(Topics.DocumentsStatus, StatusEnvelope(input, replays, status)));
        }

        try
        {
            await PublishAsync(records, cancellationToken);
        }
        catch (EventLogException ex) when (!ex.IsTransient)
        {
            var reason = $"its output could not be published: {ex.Message}";
            RuntimeLog.PermanentFailure(logger, stage.Name, input.DocumentId, reason);
            await PublishStatusAsync(input, replays, Failed(attempt, reason, "permanent"), cancellationToken);
            return StageOutcome.Failed;
        }

        return StageOutcome.Succeeded;
    }

    private StageStatusChanged Failed(int attempt, string reason, string errorType)
        => new(stage.Name, StageState.Failed, attempt, Error: reason, ErrorType: errorType);

    /// <summary>Attempt <paramref name="attempt"/> failed transiently; the next one runs no earlier than <paramref name="next"/>.</summary>
    private StageStatusChanged Retrying(int attempt, DateTimeOffset next, string reason)
        => new(stage.Name, StageState.Retrying, attempt, Error: reason, NextAttemptAt: next, ErrorType: "transient");

    private Task PublishStatusAsync(
        EventEnvelope input, int replays, StageStatusChanged status, CancellationToken cancellationToken, string? occasion = null)
        => options.ReportStatus
            ? PublishAsync([EventRecords.ToRecord(Topics.DocumentsStatus, StatusEnvelope(input, replays, status, occasion))], cancellationToken)
            : Task.CompletedTask;

    /// <summary>
    /// The status event, with an id that is the same each time the same delivery reports the same thing (a
    /// redelivery changes nothing in the status) and new for a replay, whose attempts start over. An
    /// <paramref name="occasion"/> tells apart reports an attempt can make more than once, such as the pause and
    /// resumption around each break of an open circuit.
    /// </summary>
    private EventEnvelope StatusEnvelope(EventEnvelope input, int replays, StageStatusChanged status, string? occasion = null)
    {
        var source = replays == 0 ? input.Id : Ids.Derive(input.Id, "replay", replays.ToString(CultureInfo.InvariantCulture));
        var id = Ids.Derive(
            "status", source, status.Stage, status.State.ToString(),
            status.Attempt.ToString(CultureInfo.InvariantCulture),
            status.Progress?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
        if (occasion is not null)
        {
            id = Ids.Derive(id, occasion);
        }

        // A batch's report counts for its batch: the projection completes the stage once every batch succeeded.
        if (input.Part is { IsValid: true } part)
        {
            status = status with { Part = part };
        }

        return EventEnvelope.Create(Topics.DocumentsStatus, input.Tenant, input.DocumentId, status, id, time.GetUtcNow(), revision: input.Revision);
    }

    /// <summary>Publishes until the log acknowledges; a log outage stalls the record, it never drops it.</summary>
    private async Task PublishAsync(IReadOnlyList<OutgoingRecord> records, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await producer.ProduceTracedAsync(records, options.MessagingSystem, cancellationToken);
                return;
            }
            catch (EventLogException ex) when (ex.IsTransient)
            {
                var delay = Backoff(attempt, null);
                RuntimeLog.PublishFailed(logger, ex, stage.Name, delay);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var exponential = options.InitialBackoff * Math.Pow(2, Math.Min(attempt - 1, 16));
        var jittered = exponential * (0.8 + (Random.Shared.NextDouble() * 0.4));
        var delay = jittered < options.MaxBackoff ? jittered : options.MaxBackoff;
        return retryAfter is { } after && after > delay ? after : delay;
    }
}

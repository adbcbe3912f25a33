using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Core.Runtime.Internal;

/// <summary>
/// Handles one consumed record for one stage: parse, report status, call the stage, retry transient
/// failures in place, publish outputs and the final status. Returns true when the record is finished
/// (its offset may be committed) and false when it was abandoned on shutdown (it will be redelivered).
/// </summary>
internal sealed class RecordProcessor(
    IStage stage, IEventProducer producer, StageRunnerOptions options, TimeProvider time, ILogger logger)
{
    public async Task<bool> ProcessAsync(ConsumedRecord record, CancellationToken cancellationToken)
    {
        EventEnvelope input;
        try
        {
            input = EventEnvelope.Parse(record.Value.Span);
        }
        catch (JsonException ex)
        {
            RuntimeLog.PoisonRecord(logger, stage.Name, record.Topic, record.Partition, record.Offset, ex.Message);
            return true;
        }

        using var activity = EventRecords.ActivitySource.StartActivity(
            $"{stage.Name} {record.Topic}", ActivityKind.Consumer, EventRecords.ParentContext(record));
        activity?.SetTag("sluice.stage", stage.Name);
        activity?.SetTag("sluice.document_id", input.DocumentId);
        activity?.SetTag("messaging.destination.name", record.Topic);

        try
        {
            return await HandleWithRetriesAsync(input, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task<bool> HandleWithRetriesAsync(EventEnvelope input, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await PublishStatusAsync(input, new StageStatusChanged(stage.Name, StageState.Running, attempt), cancellationToken);
            var result = await InvokeStageAsync(input, attempt, cancellationToken);
            switch (result)
            {
                case StageResult.Succeeded success:
                    return await PublishSuccessAsync(input, attempt, success, cancellationToken);

                case StageResult.PermanentFailure failure:
                    RuntimeLog.PermanentFailure(logger, stage.Name, input.DocumentId, failure.Reason);
                    await PublishStatusAsync(input, Failed(attempt, failure.Reason), cancellationToken);
                    return true;

                case StageResult.TransientFailure failure when attempt < options.MaxAttempts:
                    var delay = Backoff(attempt, failure.RetryAfter);
                    RuntimeLog.TransientFailure(logger, stage.Name, input.DocumentId, attempt, delay, failure.Reason);
                    await Task.Delay(delay, time, cancellationToken);
                    break;

                case StageResult.TransientFailure failure:
                    var reason = $"{failure.Reason} (gave up after {attempt} attempts)";
                    RuntimeLog.PermanentFailure(logger, stage.Name, input.DocumentId, reason);
                    await PublishStatusAsync(input, Failed(attempt, reason), cancellationToken);
                    return true;

                default:
                    throw new InvalidOperationException($"Unknown stage result {result.GetType().Name}.");
            }
        }
    }

    private async Task<StageResult> InvokeStageAsync(EventEnvelope input, int attempt, CancellationToken cancellationToken)
    {
        var lastProgress = long.MinValue;
        var context = new StageContext(input, attempt, async (fraction, token) =>
        {
            var now = time.GetTimestamp();
            if (!options.ReportStatus || time.GetElapsedTime(lastProgress, now) < options.ProgressInterval)
            {
                return;
            }

            lastProgress = now;
            var progress = Math.Round(Math.Clamp(fraction, 0, 1), 2);
            await PublishStatusAsync(input, new StageStatusChanged(stage.Name, StageState.Running, attempt, Progress: progress), token);
        });

        try
        {
            return await stage.HandleAsync(context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // An exception the stage did not classify: assume it may pass (I/O, timeouts, busy stores).
            return StageResult.Transient($"{ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    private async Task<bool> PublishSuccessAsync(
        EventEnvelope input, int attempt, StageResult.Succeeded success, CancellationToken cancellationToken)
    {
        var records = new List<OutgoingRecord>(success.Outputs.Count + 1);
        records.AddRange(success.Outputs.Select(o => EventRecords.ToRecord(o.Topic, o.Envelope)));
        if (options.ReportStatus)
        {
            var status = new StageStatusChanged(stage.Name, StageState.Succeeded, attempt, Facts: success.Facts, Blobs: success.Blobs);
            records.Add(EventRecords.ToRecord(Topics.DocumentsStatus, StatusEnvelope(input, status)));
        }

        try
        {
            await PublishAsync(records, cancellationToken);
        }
        catch (EventLogException ex) when (!ex.IsTransient)
        {
            var reason = $"its output could not be published: {ex.Message}";
            RuntimeLog.PermanentFailure(logger, stage.Name, input.DocumentId, reason);
            await PublishStatusAsync(input, Failed(attempt, reason), cancellationToken);
        }

        return true;
    }

    private StageStatusChanged Failed(int attempt, string reason)
        => new(stage.Name, StageState.Failed, attempt, Error: reason);

    private Task PublishStatusAsync(EventEnvelope input, StageStatusChanged status, CancellationToken cancellationToken)
        => options.ReportStatus
            ? PublishAsync([EventRecords.ToRecord(Topics.DocumentsStatus, StatusEnvelope(input, status))], cancellationToken)
            : Task.CompletedTask;

    private EventEnvelope StatusEnvelope(EventEnvelope input, StageStatusChanged status)
    {
        var id = Ids.Derive(
            "status", input.Id, status.Stage, status.State.ToString(),
            status.Attempt.ToString(CultureInfo.InvariantCulture),
            status.Progress?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
        return EventEnvelope.Create(Topics.DocumentsStatus, input.Tenant, input.DocumentId, status, id, time.GetUtcNow());
    }

    /// <summary>Publishes until the log acknowledges; a log outage stalls the record, it never drops it.</summary>
    private async Task PublishAsync(IReadOnlyList<OutgoingRecord> records, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await producer.ProduceAsync(records, cancellationToken);
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

using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;

namespace Sluice.Server.Ingestion;

/// <summary>
/// Publishes again the <c>documents.submitted</c> event of documents still <c>accepted</c> (no stage has reported
/// on them) <see cref="RedriveOptions.After"/> after they were accepted. An upload registers its document and then
/// publishes; a crash or an aborted request between the two would otherwise leave the document accepted forever.
/// </summary>
/// <remarks>
/// <para>
/// The event is the upload's own (<see cref="SubmittedEvent.For"/>: same id), so a document that was published
/// after all is only processed once more, idempotently. Several API processes may run the redrive at once: a
/// document is then published once per process, which is harmless in the same way.
/// </para>
/// <para>
/// The redrive keeps its place in the backlog of stale documents (oldest first) for the life of the process, so it
/// publishes each document once, not once per sweep: a published event is durable in the log and will be
/// processed, however long the stages take to get to it. A restart starts from the beginning again, which is what
/// recovers the documents a crash left behind.
/// </para>
/// </remarks>
public sealed partial class AcceptedRedrive(
    IStatusStore statuses, IBlobStore blobs, IEventLog log, StoreErrors storeErrors, IOptions<RedriveOptions> options, TimeProvider time, ILogger<AcceptedRedrive> logger)
    : BackgroundService
{
    private string? _cursor;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        await Task.Yield();
        await using var producer = log.CreateProducer();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RedriveAsync(producer, stoppingToken);
                await Task.Delay(settings.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is EventLogException || storeErrors.IsStoreFailure(ex))
            {
                // Nothing was skipped: the place in the backlog only moves past documents once they are published.
                LogUnavailable(logger, ex);
                await Task.Delay(settings.Interval, time, CancellationToken.None);
            }
        }
    }

    /// <summary>One sweep: publishes every document that became stale since the last one; returns how many.</summary>
    internal async Task<int> RedriveAsync(IEventProducer producer, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var published = 0;
        while (true)
        {
            var page = await statuses.ListStaleAcceptedAsync(now - settings.After, settings.BatchSize, _cursor, cancellationToken);
            if (page.Items.Count == 0)
            {
                return published;
            }

            // A document the store only knows from status events (its registration was lost) has no source to publish.
            var documents = new List<DocumentRecord>(page.Items.Count);
            foreach (var document in page.Items.Where(d => d.Source.Uri.Length > 0))
            {
                if (await blobs.ExistsAsync(document.Source, cancellationToken))
                {
                    documents.Add(document);
                    continue;
                }

                // The upload's bytes are written after its registration and before its event: a document without them
                // was never acknowledged (its request died in between), so it is withdrawn rather than failed.
                await statuses.DeleteAsync(document.Id, cancellationToken);
                LogWithdrawn(logger, document.Id);
            }

            if (documents.Count > 0)
            {
                await producer.ProduceAsync(
                    [.. documents.Select(d => EventRecords.ToRecord(Topics.DocumentsSubmitted, SubmittedEvent.For(d, now)))], cancellationToken);
                foreach (var document in documents)
                {
                    await statuses.MarkPublishedAsync(document.Id, document.Revision, cancellationToken);
                    LogRedriven(logger, document.Id, now - document.AcceptedAt);
                }
            }

            published += documents.Count;
            _cursor = page.Next ?? _cursor;
            if (page.Items.Count < settings.BatchSize)
            {
                return published;
            }
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Redrove document {DocumentId}: still accepted {Age} after it was accepted, so its documents.submitted event was published again")]
    private static partial void LogRedriven(ILogger logger, string documentId, TimeSpan age);

    [LoggerMessage(3, LogLevel.Warning, "Withdrew document {DocumentId}: it was registered but its upload never completed (no bytes stored, never acknowledged)")]
    private static partial void LogWithdrawn(ILogger logger, string documentId);

    [LoggerMessage(2, LogLevel.Warning, "Could not redrive accepted documents; trying again at the next interval")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}

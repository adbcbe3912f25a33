using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using Sluice.Processing;
using Sluice.Server.Quotas;

namespace Sluice.Server.Ingestion;

/// <summary>What became of an upload.</summary>
public abstract record IngestionOutcome
{
    /// <summary>New document, durably published: 202.</summary>
    public sealed record Accepted(DocumentStatus Status) : IngestionOutcome;

    /// <summary>The tenant uploaded these bytes before: 200 with the existing document.</summary>
    public sealed record Existing(DocumentStatus Status) : IngestionOutcome;

    /// <summary>Bad input or over a quota: a 4xx (or 507) with a reason.</summary>
    public sealed record Rejected(int StatusCode, string Title, string Detail) : IngestionOutcome;

    /// <summary>The event log could not take the event: 503, nothing was acknowledged.</summary>
    public sealed record Unavailable(string Detail) : IngestionOutcome;
}

/// <summary>
/// Immediate ingestion: sniff the head, stream the upload into the blob store (claim check), register the
/// document, publish one small <c>documents.submitted</c> event and return. Never waits for processing.
/// </summary>
public sealed partial class IngestionService(
    IBlobStore blobs,
    IStatusStore statuses,
    IEventLog log,
    StorageQuota quota,
    IOptions<SluiceOptions> options,
    TimeProvider time,
    ForegroundActivity foreground,
    ILogger<IngestionService> logger) : IAsyncDisposable
{
    private readonly IEventProducer _producer = log.CreateProducer();

    public async Task<IngestionOutcome> IngestAsync(
        Stream content, string? fileName, string? contentType, string tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var acknowledging = foreground.Begin();
        var head = new byte[FormatSniffer.HeadLength];
        var headLength = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        var name = FileNames.Sanitize(fileName);
        if (headLength == 0)
        {
            return new IngestionOutcome.Rejected(400, "Empty upload", $"'{name}' is empty: there is nothing to ingest.");
        }

        var sniff = FormatSniffer.Sniff(head.AsSpan(0, headLength), name, contentType);
        if (!sniff.IsSupported)
        {
            return new IngestionOutcome.Rejected(415, "Unsupported media type",
                $"'{name}' was not accepted: {sniff.Reason}. Sluice ingests PDF, DOCX, HTML, Markdown and plain text.");
        }

        StagedBlob staged;
        try
        {
            staged = await blobs.StageAsync(
                new PrefixedStream(head.AsMemory(0, headLength), content), sniff.ContentType, options.Value.MaxUploadBytes, cancellationToken);
        }
        catch (BlobTooLargeException ex)
        {
            return TooLarge(name, ex.Limit);
        }

        await using var upload = staged;
        var source = staged.Reference;
        var id = Ids.Document(tenant, source.Sha256);
        if (await quota.CheckAsync(tenant, id, name, source.Size, cancellationToken) is { } overQuota)
        {
            // Nothing is registered, and bytes only staged are gone with the staging: no trace of this upload stays.
            return overQuota;
        }

        var now = time.GetUtcNow();
        var (status, created) = await statuses.RegisterAsync(
            new DocumentRecord(id, tenant, name, sniff.ContentType, sniff.Format!, source, now), cancellationToken);
        // Not cancellable: an aborted request must not leave its registration without its bytes.
        await CommitSourceAsync(staged, CancellationToken.None);
        CrashTestSwitch.AfterRegister();
        if (!created && status.State != DocumentState.Accepted)
        {
            return new IngestionOutcome.Existing(status);
        }

        // New, or registered before without a sign of processing (its publish may have failed): publish.
        // Publishing twice is harmless: every stage is idempotent.
        // A crash before this publish leaves the document accepted; the AcceptedRedrive publishes it later.
        var submitted = SubmittedEvent.For(status.Document, now);
        try
        {
            await _producer.ProduceTracedAsync([EventRecords.ToRecord(Topics.DocumentsSubmitted, submitted)], options.Value.MessagingSystem, cancellationToken);
        }
        catch (EventLogException ex)
        {
            LogPublishFailed(logger, ex, id);
            return new IngestionOutcome.Unavailable(
                "The upload was stored but the event log did not take it for processing. Retry the same upload; nothing is duplicated.");
        }

        await MarkPublishedAsync(status.Document);
        LogAccepted(logger, id, name, source.Size, sniff.Format!);
        return created ? new IngestionOutcome.Accepted(status) : new IngestionOutcome.Existing(status);
    }

    /// <summary>
    /// Writes the upload's bytes into the store, after its registration. The same bytes may belong to a document
    /// deleted a moment ago, whose blobs the collector removes: a collector that looks after our registration sees the
    /// reference and keeps them; one that condemned them before is waited for, and the bytes are then written again if
    /// it removed them (committing is a no-op when they are still there). This is what makes a <c>202</c> safe against
    /// a concurrent delete of the same content.
    /// </summary>
    private async Task CommitSourceAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        var wait = TimeSpan.FromMilliseconds(5);
        var waited = false;
        while (await statuses.IsBlobCondemnedAsync(staged.Reference.Uri, cancellationToken))
        {
            waited = true;
            await Task.Delay(wait, time, cancellationToken);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromMilliseconds(200).Ticks));
        }

        await staged.CommitAsync(cancellationToken);
        if (waited)
        {
            LogRewritten(logger, staged.Reference.Uri);
        }
    }

    /// <summary>
    /// The outbox's "sent" mark, so the redrive never publishes this revision again however long it waits in a backlog.
    /// Not cancellable, and a failure does not fail the upload: its event is in the log, so the worst a missing mark
    /// costs is one more (idempotent) publish by a redrive.
    /// </summary>
    private async Task MarkPublishedAsync(DocumentRecord document)
    {
        try
        {
            await statuses.MarkPublishedAsync(document.Id, document.Revision, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogMarkFailed(logger, ex, document.Id);
        }
    }

    public static IngestionOutcome.Rejected TooLarge(string name, long limit)
        => new(413, "Upload too large", $"'{name}' is larger than the limit of {limit:N0} bytes (Sluice:MaxUploadBytes).");

    public ValueTask DisposeAsync() => _producer.DisposeAsync();

    [LoggerMessage(1, LogLevel.Information, "Accepted document {DocumentId} ({FileName}, {Bytes} bytes, {Format})")]
    private static partial void LogAccepted(ILogger logger, string documentId, string fileName, long bytes, string format);

    [LoggerMessage(3, LogLevel.Information, "Waited for {Uri} to be removed with a deleted document before writing the same bytes again")]
    private static partial void LogRewritten(ILogger logger, string uri);

    [LoggerMessage(4, LogLevel.Warning, "Published document {DocumentId} but could not mark it published; a redrive may publish it once more")]
    private static partial void LogMarkFailed(ILogger logger, Exception exception, string documentId);

    [LoggerMessage(2, LogLevel.Error, "Could not publish document {DocumentId}")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string documentId);
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Core.Ports;

namespace Sluice.Core.Search;

/// <summary>
/// Brings every indexed vector to the configured embedder: after a change of model or of precision, each document
/// whose vectors another embedder made has its chunks embedded again and its vectors replaced in place.
/// </summary>
/// <remarks>
/// Search never ranks vectors of two embedders together (<see cref="SearchQuery.Embedder"/>), so until a document is
/// migrated it is found by its words only, never by a meaningless cosine. The chunks and their text stay as they are:
/// only vectors change, by a compare-and-set per document (<see cref="IVectorMigration.ReplaceVectorsAsync"/>), so a
/// document re-indexed, replaced or deleted meanwhile keeps what the pipeline wrote. The work goes through the same
/// embedder queue as the <c>embed</c> stage, one document at a time; a failure leaves the document as it was, to be
/// tried again on the next pass.
/// </remarks>
public sealed partial class Reembedding(IVectorMigration index, Func<IEmbedder> embedderFactory, TimeProvider time, ILogger<Reembedding> logger)
    : BackgroundService
{
    private const int Page = 64;

    private IEmbedder? _embedder;

    /// <summary>Whether the background service runs at all (<see cref="RunOnceAsync"/> always works).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Texts per embedder call.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// How long after start-up the first pass waits: the model is loaded for it, and a process that has just started
    /// (often because load is high) serves its first uploads first.
    /// </summary>
    public TimeSpan StartDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the index is looked at again for vectors of another embedder (written by another process).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Migrates every document found now; returns how many were migrated.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        // Created on first use: a process that never embeds need not load a model just to be told there is nothing to do.
        var embedder = _embedder ??= embedderFactory();
        var target = embedder.Info;
        var current = target.ToString();
        var migrated = 0;
        var skipped = 0;
        string? after = null;
        while (true)
        {
            var page = await index.ListForeignAsync(current, after, Page, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            if (after is null)
            {
                LogStarted(logger, current, page[0].Embedder);
            }

            foreach (var document in page)
            {
                bool done;
                try
                {
                    done = await MigrateAsync(embedder, document, target, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // One document's failure (its texts refused, the model unavailable) must not hold up the rest.
                    LogDocumentFailed(logger, document.DocumentId, ex);
                    done = false;
                }

                if (done)
                {
                    migrated++;
                }
                else
                {
                    skipped++;
                }

                if ((migrated + skipped) % 100 == 0)
                {
                    LogProgress(logger, migrated, skipped, current);
                }
            }

            after = page[^1].DocumentId;
        }

        if (migrated + skipped > 0)
        {
            LogFinished(logger, migrated, skipped, current);
        }

        return migrated;
    }

    private async Task<bool> MigrateAsync(IEmbedder embedder, ForeignDocument document, EmbedderInfo target, CancellationToken cancellationToken)
    {
        var chunks = await index.ReadChunksAsync(document.DocumentId, cancellationToken);
        if (chunks.Count == 0)
        {
            return false;
        }

        var vectors = new List<ChunkVector>(chunks.Count);
        for (var i = 0; i < chunks.Count; i += BatchSize)
        {
            var batch = chunks.Skip(i).Take(BatchSize).ToList();
            var embedded = await embedder.EmbedAsync([.. batch.Select(c => c.Text)], cancellationToken);
            vectors.AddRange(batch.Zip(embedded, (c, v) => new ChunkVector(c.ChunkId, v)));
        }

        return await index.ReplaceVectorsAsync(document.DocumentId, document.Embedder, target, vectors, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        try
        {
            await Task.Delay(StartDelay, time, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Nothing is lost: a document not migrated keeps its old vectors (found by keyword meanwhile).
                LogFailed(logger, ex);
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning,
        "The search index holds vectors of {Other}, not of the configured embedder {Embedder}: re-embedding those documents now; until each is done it is found by keyword only")]
    private static partial void LogStarted(ILogger logger, string embedder, string other);

    [LoggerMessage(2, LogLevel.Information, "Re-embedding with {Embedder}: {Migrated} documents done, {Skipped} changed meanwhile or failed, left as they are")]
    private static partial void LogProgress(ILogger logger, int migrated, int skipped, string embedder);

    [LoggerMessage(3, LogLevel.Information, "Re-embedded {Migrated} documents with {Embedder} ({Skipped} changed meanwhile or failed, left as they are)")]
    private static partial void LogFinished(ILogger logger, int migrated, int skipped, string embedder);

    [LoggerMessage(5, LogLevel.Warning, "Could not re-embed document {DocumentId}; it keeps its vectors and is tried again on the next pass")]
    private static partial void LogDocumentFailed(ILogger logger, string documentId, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Re-embedding stopped by an error; the documents not done keep their vectors and are tried again later")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Processing.Internal.Stages;

namespace Sluice.Processing.Stages;

/// <summary>
/// <c>chunks.embedded</c> → <c>documents.indexed</c>: replaces the document's chunks in the search index
/// (idempotent), unless the document was deleted meanwhile. For one batch of a document cut into several
/// (<see cref="EventEnvelope.Part"/>), it replaces exactly that batch's rows (the range of chunk indexes the batch
/// holds) and leaves the other batches' as they are; the document counts as indexed once every batch is (the status
/// projection counts them), and until then a search may already find the batches that landed.
/// </summary>
public sealed class IndexStage(IBlobStore blobs, ISearchIndex index, DocumentWrites writes, TimeProvider time) : IStage
{
    public string Name => StageNames.Index;

    public string InputTopic => StageCatalog.Index.InputTopic;

    public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var documentId = context.Input.DocumentId;
        var embedded = context.Input.GetData<ChunksEmbedded>();

        // Deleted (or superseded) while in flight: indexing now would bring it back into search.
        if (await writes.AdmitAsync(context.Input, [embedded.Chunks, embedded.Vectors], cancellationToken) is { } refused)
        {
            return refused;
        }
        List<Chunk> chunks;
        List<float[]> vectors;
        try
        {
            chunks = await StageBlobs.ReadChunksAsync(blobs, embedded.Chunks, cancellationToken);
            vectors = await StageBlobs.ReadVectorsAsync(blobs, embedded.Vectors, embedded.Count, embedded.Dimensions, cancellationToken);
        }
        catch (Exception ex) when (StageFailures.Blob(ex, "the embedded chunks") is { } failure)
        {
            return await writes.FailUnlessGoneAsync(context.Input, failure, cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            return StageResult.Permanent($"the vector block is malformed: {ex.Message}", ex);
        }

        if (chunks.Count != vectors.Count)
        {
            return StageResult.Permanent($"{chunks.Count} chunks arrived with {vectors.Count} vectors");
        }

        var embedder = new EmbedderInfo(embedded.Embedder, embedded.EmbedderVersion, embedded.Dimensions);
        IReadOnlyList<IndexedChunk> indexed = [.. chunks.Zip(vectors, (c, v) => new IndexedChunk(c, v))];
        if (!await writes.WriteAsync(
                context.Input,
                token => context.Input.Part is { IsValid: true } && indexed.Count > 0
                    ? index.UpsertRangeAsync(
                        context.Input.Tenant, documentId, embedder, chunks.Min(c => c.Index), chunks.Max(c => c.Index) + 1, indexed, token)
                    : index.UpsertAsync(context.Input.Tenant, documentId, embedder, indexed, token),
                token => index.DeleteAsync(documentId, token),
                cancellationToken))
        {
            return StageResult.Success();
        }

        var output = new DocumentIndexed(chunks.Count, embedder.ToString());
        return StageResult.Success(
            [context.Output(Topics.DocumentsIndexed, Name, 0, output, time.GetUtcNow())],
            new Dictionary<string, long> { ["indexed"] = chunks.Count });
    }
}

using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Processing.Internal.Stages;

namespace Sluice.Processing.Stages;

/// <summary>
/// <c>documents.extracted</c> → <c>chunks.created</c>: splits the extracted text into token-bounded chunks,
/// replaces the document's chunk set (deterministic ids, so a replay writes the same rows) and publishes
/// the batch by reference as JSON lines.
/// </summary>
public sealed class ChunkStage(IBlobStore blobs, IChunkStore chunks, TextChunker chunker, DocumentWrites writes, TimeProvider time) : IStage
{
    public string Name => StageNames.Chunk;

    public string InputTopic => StageCatalog.Chunk.InputTopic;

    public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var extracted = context.Input.GetData<DocumentExtracted>();
        if (await writes.AdmitAsync(context.Input, [extracted.Text], cancellationToken) is { } refused)
        {
            return refused;
        }

        string text;
        try
        {
            text = await StageBlobs.ReadTextAsync(blobs, extracted.Text, cancellationToken);
        }
        catch (Exception ex) when (StageFailures.Blob(ex, "the extracted text") is { } failure)
        {
            return await writes.FailUnlessGoneAsync(context.Input, failure, cancellationToken);
        }

        var documentId = context.Input.DocumentId;
        var spans = chunker.Split(text, extracted.Pages, cancellationToken);
        if (spans.Count == 0)
        {
            return StageResult.Permanent("the document has no text to chunk");
        }

        var result = spans
            .Select(s => new Chunk(Ids.Chunk(documentId, s.Index, s.Text), documentId, s.Index, s.Text, s.Start, s.End, s.Page, s.Tokens))
            .ToList();
        if (!await writes.WriteAsync(context.Input, token => chunks.ReplaceAsync(documentId, result, token), token => chunks.DeleteAsync(documentId, token), cancellationToken))
        {
            // Deleted meanwhile: nothing more to do for it.
            return StageResult.Success();
        }

        var batch = await StageBlobs.WriteChunksAsync(blobs, StageBlobs.OwnerOf(context.Input), result, cancellationToken);
        var output = context.Output(Topics.ChunksCreated, Name, 0, new ChunksCreated(batch, result.Count), time.GetUtcNow());
        return StageResult.Success([output], new Dictionary<string, long> { [StatusFold.ChunksFact] = result.Count }, [batch]);
    }
}

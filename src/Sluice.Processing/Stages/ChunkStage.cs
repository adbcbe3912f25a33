using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Processing.Internal.Stages;

namespace Sluice.Processing.Stages;

/// <summary>
/// <c>documents.extracted</c> → <c>chunks.created</c>: splits the extracted text into token-bounded chunks,
/// replaces the document's chunk set (deterministic ids, so a replay writes the same rows) and publishes
/// the chunks by reference as JSON lines: in one event, or, past <see cref="ChunkerOptions.BatchChunks"/>, in one event
/// per batch of consecutive chunks, each marked with its batch index and the batch count (<see cref="EventPart"/>).
/// </summary>
public sealed class ChunkStage(
    IBlobStore blobs, IChunkStore chunks, TextChunker chunker, DocumentWrites writes, TimeProvider time, IOptions<ChunkerOptions> options) : IStage
{
    private readonly int _batchChunks = options.Value.BatchChunks;

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

        // Batch by batch: every batch is written before any event is published, and all events go in one publish with the
        // status, so a batch count once announced is always complete. Ids stay deterministic (output index = batch index).
        // In long arithmetic: with fan-out off (BatchChunks = int.MaxValue) the sum overflows an int and made no event at all.
        var count = (int)(((long)result.Count + _batchChunks - 1) / _batchChunks);
        var owner = StageBlobs.OwnerOf(context.Input);
        var outputs = new List<OutputEvent>(count);
        var written = new List<BlobReference>(count);
        for (var index = 0; index < count; index++)
        {
            var slice = result.GetRange(index * _batchChunks, Math.Min(_batchChunks, result.Count - (index * _batchChunks)));
            var batch = await StageBlobs.WriteChunksAsync(blobs, owner, slice, cancellationToken);
            var output = context.Output(Topics.ChunksCreated, Name, index, new ChunksCreated(batch, slice.Count), time.GetUtcNow());
            outputs.Add(count == 1 ? output : output with { Envelope = output.Envelope with { Part = new EventPart(index, count) } });
            written.Add(batch);
        }

        return StageResult.Success(outputs, new Dictionary<string, long> { [StatusFold.ChunksFact] = result.Count, ["batches"] = count }, written);
    }
}

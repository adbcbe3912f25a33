using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Processing.Internal.Stages;

namespace Sluice.Processing.Stages;

/// <summary>
/// <c>chunks.created</c> → <c>chunks.embedded</c>: embeds a document's chunks in batches and publishes the
/// vectors by reference, with the embedder's name and version. A large document arrives as several events, one per
/// batch of chunks; each is handled on its own, and its output belongs to the same batch.
/// </summary>
public sealed class EmbedStage(IBlobStore blobs, IEmbedder embedder, DocumentWrites writes, TimeProvider time) : IStage
{
    /// <summary>Chunks per embedder call; also the progress granularity.</summary>
    public int BatchSize { get; init; } = 32;

    public string Name => StageNames.Embed;

    public string InputTopic => StageCatalog.Embed.InputTopic;

    public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var created = context.Input.GetData<ChunksCreated>();
        if (await writes.AdmitAsync(context.Input, [created.Chunks], cancellationToken) is { } refused)
        {
            return refused;
        }

        List<Chunk> chunks;
        try
        {
            chunks = await StageBlobs.ReadChunksAsync(blobs, created.Chunks, cancellationToken);
        }
        catch (Exception ex) when (StageFailures.Blob(ex, "the chunk batch") is { } failure)
        {
            return await writes.FailUnlessGoneAsync(context.Input, failure, cancellationToken);
        }

        var vectors = new List<float[]>(chunks.Count);
        try
        {
            for (var i = 0; i < chunks.Count; i += BatchSize)
            {
                var texts = chunks.Skip(i).Take(BatchSize).Select(c => c.Text).ToList();
                vectors.AddRange(await embedder.EmbedAsync(texts, cancellationToken));
                await context.ReportProgressAsync((double)vectors.Count / chunks.Count, cancellationToken);
            }
        }
        catch (ProviderException ex)
        {
            return StageFailures.Provider(ex, "embedder");
        }

        var info = embedder.Info;
        var block = await StageBlobs.WriteVectorsAsync(blobs, StageBlobs.OwnerOf(context.Input), vectors, info.Dimensions, cancellationToken);
        var output = new ChunksEmbedded(created.Chunks, block, chunks.Count, info.Name, info.Version, info.Dimensions);
        return StageResult.Success(
            [context.Output(Topics.ChunksEmbedded, Name, 0, output, time.GetUtcNow())],
            new Dictionary<string, long> { ["embedded"] = chunks.Count },
            [block]);
    }
}

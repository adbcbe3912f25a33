namespace Sluice.Processing.Tests.Embeddings;

/// <summary>The fp32 and the int8 embedder side by side, loaded once for the int8 tests.</summary>
public sealed class Int8Fixture : IDisposable
{
    public OnnxMiniLmEmbedder Fp32 { get; } = new(new OnnxEmbedderOptions { IntraOpThreads = 2 });

    public OnnxMiniLmEmbedder Quantized { get; } = new(new OnnxEmbedderOptions { IntraOpThreads = 2, Precision = OnnxEmbedderOptions.Int8Precision });

    public void Dispose()
    {
        Fp32.Dispose();
        Quantized.Dispose();
    }
}

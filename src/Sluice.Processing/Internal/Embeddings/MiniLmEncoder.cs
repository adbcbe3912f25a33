namespace Sluice.Processing.Internal.Embeddings;

/// <summary>The one MiniLM input encoder of the process: the vocabulary is read once, the encoder is immutable.</summary>
internal static class MiniLmEncoder
{
    private static readonly Lazy<BertInputEncoder> Instance = new(BertInputEncoder.ForMiniLm, LazyThreadSafetyMode.ExecutionAndPublication);

    public static BertInputEncoder Shared => Instance.Value;
}

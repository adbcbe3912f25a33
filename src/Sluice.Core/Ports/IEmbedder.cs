namespace Sluice.Core.Ports;

/// <summary>What produced a vector: recorded with every vector so a model change is never mixed silently.</summary>
/// <param name="Name">Model name, e.g. <c>all-MiniLM-L6-v2</c>.</param>
/// <param name="Version">Adapter and model version, e.g. <c>onnx-1</c>; part of chunk identity.</param>
/// <param name="Dimensions">Vector length.</param>
public sealed record EmbedderInfo(string Name, string Version, int Dimensions)
{
    public override string ToString() => $"{Name}@{Version}";
}

/// <summary>Turns texts into L2-normalised vectors (so a dot product is the cosine similarity).</summary>
public interface IEmbedder
{
    EmbedderInfo Info { get; }

    /// <summary>One vector per text, in order. Texts longer than the model's window are truncated.</summary>
    Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
}

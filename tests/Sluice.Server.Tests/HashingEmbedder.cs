using System.Numerics.Tensors;
using Sluice.Core.Ports;

namespace Sluice.Server.Tests;

/// <summary>
/// A fast, deterministic stand-in for the model where a test is about the pipeline's mechanics rather than
/// about meaning: each lower-cased word adds to a hashed dimension, and the vector is L2-normalised.
/// </summary>
public sealed class HashingEmbedder : IEmbedder
{
    public EmbedderInfo Info { get; } = new("hashing-test", "1", 64);

    public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var vectors = texts.Select(text =>
        {
            var vector = new float[Info.Dimensions];
            foreach (var word in text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                vector[(int)((uint)StringComparer.Ordinal.GetHashCode(word) % (uint)vector.Length)] += 1;
            }

            vector[0] += 1e-3f;
            TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
            return vector;
        }).ToList();
        return Task.FromResult<IReadOnlyList<float[]>>(vectors);
    }
}

using System.Numerics.Tensors;
using Sluice.Core.Ports;

namespace Sluice.Server.Tests;

/// <summary>
/// A fast, deterministic stand-in for the model where a test is about the pipeline's mechanics rather than
/// about meaning: each lower-cased word adds to a hashed dimension, and the vector is L2-normalised.
/// </summary>
public sealed class HashingEmbedder : IEmbedder
{
    private readonly string _salt;

    public HashingEmbedder()
        : this("1")
    {
    }

    /// <summary>Another <paramref name="version"/> hashes words to other dimensions: as a new model release would, a new space.</summary>
    public HashingEmbedder(string version)
    {
        _salt = version == "1" ? string.Empty : version;
        Info = new EmbedderInfo("hashing-test", version, 64);
    }

    public EmbedderInfo Info { get; }

    public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var vectors = texts.Select(text =>
        {
            var vector = new float[Info.Dimensions];
            foreach (var word in text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                vector[(int)((uint)StringComparer.Ordinal.GetHashCode(_salt + word) % (uint)vector.Length)] += 1;
            }

            vector[0] += 1e-3f;
            TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
            return vector;
        }).ToList();
        return Task.FromResult<IReadOnlyList<float[]>>(vectors);
    }
}

using System.Numerics.Tensors;

namespace Sluice.Processing.Internal.Embeddings;

/// <summary>Sentence vectors from token vectors: the mean over the real (unpadded) tokens, L2-normalised.</summary>
internal static class MeanPooling
{
    /// <summary>
    /// Pools row <paramref name="row"/> of a <c>[batch, sequence, dimensions]</c> output whose first
    /// <paramref name="tokens"/> positions are real tokens.
    /// </summary>
    public static float[] Pool(ReadOnlySpan<float> hidden, int row, int sequenceLength, int dimensions, int tokens)
    {
        var vector = new float[dimensions];
        var rowStart = row * sequenceLength * dimensions;
        for (var t = 0; t < tokens; t++)
        {
            TensorPrimitives.Add(vector, hidden.Slice(rowStart + (t * dimensions), dimensions), vector);
        }

        TensorPrimitives.Divide(vector, Math.Max(tokens, 1), vector);
        VectorMath.Normalize(vector);
        return vector;
    }
}

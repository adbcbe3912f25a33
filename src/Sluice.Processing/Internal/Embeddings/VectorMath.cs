using System.Numerics.Tensors;

namespace Sluice.Processing.Internal.Embeddings;

internal static class VectorMath
{
    /// <summary>Scales <paramref name="vector"/> to length 1 in place; a zero vector stays zero.</summary>
    public static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 1e-12f)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }
}

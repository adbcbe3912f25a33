using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Sluice.Embedded.Internal.Index;

/// <summary>Vectors as stored: float32, little-endian, no header (the dimension is the length / 4).</summary>
internal static class VectorCodec
{
    public static byte[] Encode(ReadOnlySpan<float> vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(vector).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < vector.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
            }
        }

        return bytes;
    }

    /// <summary>Decodes <paramref name="bytes"/> into <paramref name="destination"/> (of length bytes / 4).</summary>
    public static void Decode(ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(destination));
            return;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
        }
    }
}

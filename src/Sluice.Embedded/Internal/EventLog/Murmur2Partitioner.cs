using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>
/// Kafka's default partitioner for keyed records: <c>(murmur2(utf8(key)) &amp; 0x7fffffff) % partitions</c>,
/// the murmur2 of the Java client (<c>Utils.murmur2</c>) and of librdkafka's <c>murmur2</c> partitioner.
/// </summary>
internal static class Murmur2Partitioner
{
    private const uint Seed = 0x9747b28c;
    private const uint M = 0x5bd1e995;
    private const int R = 24;

    public static int Partition(string key, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        var buffer = max <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(key, buffer);
            return (Hash(buffer[..length]) & 0x7fffffff) % partitions;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>murmur2 as the Kafka Java client computes it (signed result).</summary>
    public static int Hash(ReadOnlySpan<byte> data)
    {
        var length = data.Length;
        var h = Seed ^ (uint)length;
        var blocks = length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4));
            k *= M;
            k ^= k >> R;
            k *= M;
            h *= M;
            h ^= k;
        }

        var tail = length & ~3;
        switch (length % 4)
        {
            case 3:
                h ^= (uint)data[tail + 2] << 16;
                h ^= (uint)data[tail + 1] << 8;
                h ^= data[tail];
                h *= M;
                break;
            case 2:
                h ^= (uint)data[tail + 1] << 8;
                h ^= data[tail];
                h *= M;
                break;
            case 1:
                h ^= data[tail];
                h *= M;
                break;
        }

        h ^= h >> 13;
        h *= M;
        h ^= h >> 15;
        return unchecked((int)h);
    }
}

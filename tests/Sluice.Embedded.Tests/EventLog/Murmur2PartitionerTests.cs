using System.Text;
using Sluice.Embedded.Internal.EventLog;

namespace Sluice.Embedded.Tests.EventLog;

public sealed class Murmur2PartitionerTests
{
    // Apache Kafka's UtilsTest.testMurmur2 (the Java client's default partitioner).
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    [InlineData("", 275646681)]
    public void Hash_MatchesTheKafkaJavaClient(string key, int expected) =>
        Assert.Equal(expected, Murmur2Partitioner.Hash(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void Partition_IsThePositiveHashModuloThePartitionCount()
    {
        // toPositive(-790332482) = 1357151166; 1357151166 % 50 = 16.
        Assert.Equal(16, Murmur2Partitioner.Partition("foobar", 50));
        Assert.Equal((-973932308 & 0x7fffffff) % 6, Murmur2Partitioner.Partition("21", 6));
    }

    [Fact]
    public void Partition_HashesTheUtf8BytesOfLongAndNonAsciiKeys()
    {
        var longKey = string.Concat(Enumerable.Repeat("dökümän-✓-", 100));
        var expected = (Murmur2Partitioner.Hash(Encoding.UTF8.GetBytes(longKey)) & 0x7fffffff) % 12;

        Assert.Equal(expected, Murmur2Partitioner.Partition(longKey, 12));
    }
}

using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Tests.Stores;

public sealed class FileBlobStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sluice-blobs", Guid.NewGuid().ToString("N"));
    private readonly FileBlobStore _store;

    public FileBlobStoreTests()
    {
        _store = new FileBlobStore(Options.Create(new FileBlobStoreOptions { Root = _root }));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Put_ReturnsContentAddressedReference_AndReadsBackTheSameBytes()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);

        var reference = await _store.PutAsync(new MemoryStream(bytes), "application/pdf", cancellationToken: Ct);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), reference.Sha256);
        Assert.Equal($"blob:sha256:{reference.Sha256}", reference.Uri);
        Assert.Equal(bytes.Length, reference.Size);
        Assert.Equal("application/pdf", reference.ContentType);
        await using var read = await _store.OpenReadAsync(reference, Ct);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Ct);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(FileBlobStore.SmallBlobBytes + 1)]
    public async Task Put_SameBytesTwice_StoresOneCopy(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);

        var first = await _store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);
        var second = await _store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);

        Assert.Equal(first, second);
        Assert.Equal(1, StoredCopies());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "tmp")));
    }

    [Theory]
    [InlineData(100, 0)]
    [InlineData(FileBlobStore.SmallBlobBytes, 0)]
    [InlineData(FileBlobStore.SmallBlobBytes + 1, 1)]
    public async Task Put_KeepsSmallBlobsInTheTable_AndLargerOnesAsFiles(int size, int files)
    {
        var reference = await _store.PutAsync(new MemoryStream(RandomNumberGenerator.GetBytes(size)), "text/plain", cancellationToken: Ct);

        Assert.Equal(files, BlobFiles().Count);
        Assert.Equal(1 - files, SmallRows());
        Assert.True(await _store.ExistsAsync(reference, Ct));
    }

    [Fact]
    public async Task Put_OverTheLimit_ThrowsAndKeepsNothing()
    {
        await Assert.ThrowsAsync<BlobTooLargeException>(() => _store.PutAsync(new MemoryStream(new byte[10_001]), "text/plain", 10_000, Ct));

        Assert.Equal(0, StoredCopies());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16 * 1024)]
    [InlineData((16 * 1024) + 1)]
    [InlineData(FileBlobStore.SmallBlobBytes - 1)]
    [InlineData(FileBlobStore.SmallBlobBytes)]
    [InlineData(FileBlobStore.SmallBlobBytes + 1)]
    [InlineData(3_000_000)]
    public async Task Put_OfAnySize_ArrivingInUnevenPieces_StoresExactlyTheBytes(int size)
    {
        // Sizes around the in-memory buffer's growth steps and the switch to streaming through a temporary file.
        var bytes = RandomNumberGenerator.GetBytes(size);

        var reference = await _store.PutAsync(new TricklingStream(bytes, 7_001), "application/octet-stream", cancellationToken: Ct);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), reference.Sha256);
        Assert.Equal(size, reference.Size);
        await using var read = await _store.OpenReadAsync(reference, Ct);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Ct);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "tmp")));
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(FileBlobStore.SmallBlobBytes + 100_000)]
    public async Task Put_OverTheLimit_ThrowsAndKeepsNothing_InMemoryOrStreamed(int limit)
    {
        await Assert.ThrowsAsync<BlobTooLargeException>(
            () => _store.PutAsync(new TricklingStream(new byte[limit + 1], 50_000), "text/plain", limit, Ct));

        Assert.Equal(0, StoredCopies());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "tmp")));
    }

    [Theory]
    [InlineData(20_000)]
    [InlineData(FileBlobStore.SmallBlobBytes + 20_000)]
    public async Task Put_OfTheSameBytesByManyCallersAtOnce_StoresOneCompleteCopy(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);

        var references = await Task.WhenAll(Enumerable.Range(0, 64).Select(
            _ => Task.Run(() => _store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct), Ct)));

        var reference = Assert.Single(references.Distinct());
        Assert.Equal(1, StoredCopies());
        await using var read = await _store.OpenReadAsync(reference, Ct);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Ct);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "tmp")));
    }

    [Fact]
    public async Task Put_SmallBlob_IsThereForTheNextStoreOnTheSameDirectory()
    {
        var bytes = RandomNumberGenerator.GetBytes(5_000);
        var reference = await _store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);
        _store.Dispose();

        using var reopened = new FileBlobStore(Options.Create(new FileBlobStoreOptions { Root = _root }));
        await using var read = await reopened.OpenReadAsync(reference, Ct);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Ct);

        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task Read_OfASmallBlobStoredAsAFileByAnEarlierVersion_ReturnsItsBytes()
    {
        var bytes = "kept as a file before small blobs moved into the table"u8.ToArray();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var path = Path.Combine(_root, "sha256", sha256[..2], sha256[2..4], sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, bytes, Ct);
        var reference = new BlobReference("blob:sha256:" + sha256, sha256, bytes.Length, "text/plain");

        await using var read = await _store.OpenReadAsync(reference, Ct);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Ct);

        Assert.Equal(bytes, copy.ToArray());
        Assert.True(await _store.ExistsAsync(reference, Ct));
        await _store.DeleteAsync(reference, Ct);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Read_OfATamperedSmallBlob_FailsIntegrityCheck()
    {
        var reference = await _store.PutAsync(new MemoryStream("original content"u8.ToArray()), "text/plain", cancellationToken: Ct);
        using (var connection = OpenTable())
        using (var tamper = connection.CreateCommand())
        {
            tamper.CommandText = "UPDATE blobs SET data = $data";
            tamper.Parameters.AddWithValue("$data", "tampered content"u8.ToArray());
            Assert.Equal(1, tamper.ExecuteNonQuery());
        }

        await using var read = await _store.OpenReadAsync(reference, Ct);

        await Assert.ThrowsAsync<BlobIntegrityException>(() => read.CopyToAsync(Stream.Null, Ct));
    }

    [Fact]
    public async Task Read_OfATamperedLargeBlob_FailsIntegrityCheck()
    {
        var bytes = RandomNumberGenerator.GetBytes(FileBlobStore.SmallBlobBytes + 10);
        var reference = await _store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);
        bytes[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(Assert.Single(BlobFiles()), bytes, Ct);

        await using var read = await _store.OpenReadAsync(reference, Ct);

        await Assert.ThrowsAsync<BlobIntegrityException>(() => read.CopyToAsync(Stream.Null, Ct));
    }

    [Fact]
    public async Task Read_WithACraftedUri_NeverLeavesTheStore()
    {
        var crafted = new BlobReference("blob:sha256:../../../etc/passwd", new string('a', 64), 10, "text/plain");

        await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync(crafted, Ct));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(FileBlobStore.SmallBlobBytes + 3)]
    public async Task Delete_RemovesTheBlob_AndIsIdempotent(int size)
    {
        var reference = await _store.PutAsync(new MemoryStream(RandomNumberGenerator.GetBytes(size)), "text/plain", cancellationToken: Ct);

        await _store.DeleteAsync(reference, Ct);
        await _store.DeleteAsync(reference, Ct);

        Assert.False(await _store.ExistsAsync(reference, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync(reference, Ct));
        Assert.Equal(0, StoredCopies());
    }

    private List<string> BlobFiles()
    {
        var directory = Path.Combine(_root, "sha256");
        return Directory.Exists(directory) ? [.. Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)] : [];
    }

    private SqliteConnection OpenTable()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_root, FileBlobStore.SmallBlobFile)};Pooling=False");
        connection.Open();
        return connection;
    }

    private long SmallRows()
    {
        if (!File.Exists(Path.Combine(_root, FileBlobStore.SmallBlobFile)))
        {
            return 0;
        }

        using var connection = OpenTable();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM blobs";
        return (long)count.ExecuteScalar()!;
    }

    /// <summary>Blobs held, as table rows and as files.</summary>
    private long StoredCopies() => SmallRows() + BlobFiles().Count;

    public void Dispose()
    {
        _store.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}

/// <summary>A stream that hands out its bytes at most <c>piece</c> at a time, as a network connection does.</summary>
internal sealed class TricklingStream(byte[] bytes, int piece) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(Math.Min(piece, buffer.Length), bytes.Length - _position);
        bytes.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Read(buffer.Span));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

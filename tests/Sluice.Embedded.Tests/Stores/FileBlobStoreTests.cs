using System.Security.Cryptography;
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

    [Fact]
    public async Task Put_SameBytesTwice_StoresOneFile()
    {
        var bytes = RandomNumberGenerator.GetBytes(1000);

        var first = await _store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);
        var second = await _store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);

        Assert.Equal(first, second);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_root, "sha256"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "tmp")));
    }

    [Fact]
    public async Task Put_OverTheLimit_ThrowsAndKeepsNothing()
    {
        await Assert.ThrowsAsync<BlobTooLargeException>(() => _store.PutAsync(new MemoryStream(new byte[10_001]), "text/plain", 10_000, Ct));

        Assert.Empty(Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories));
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

        Assert.Empty(Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Put_OfTheSameBytesByManyCallersAtOnce_StoresOneCompleteFile()
    {
        var bytes = RandomNumberGenerator.GetBytes(20_000);

        var references = await Task.WhenAll(Enumerable.Range(0, 64).Select(
            _ => Task.Run(() => _store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct), Ct)));

        Assert.Single(references.Distinct());
        var file = Assert.Single(Directory.EnumerateFiles(Path.Combine(_root, "sha256"), "*", SearchOption.AllDirectories));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(file, Ct));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "tmp")));
    }

    [Fact]
    public async Task Read_OfATamperedBlob_FailsIntegrityCheck()
    {
        var reference = await _store.PutAsync(new MemoryStream("original content"u8.ToArray()), "text/plain", cancellationToken: Ct);
        var path = Directory.EnumerateFiles(Path.Combine(_root, "sha256"), "*", SearchOption.AllDirectories).Single();
        await File.WriteAllTextAsync(path, "tampered content", Ct);

        await using var read = await _store.OpenReadAsync(reference, Ct);

        await Assert.ThrowsAsync<BlobIntegrityException>(() => read.CopyToAsync(Stream.Null, Ct));
    }

    [Fact]
    public async Task Read_WithACraftedUri_NeverLeavesTheStore()
    {
        var crafted = new BlobReference("blob:sha256:../../../etc/passwd", new string('a', 64), 10, "text/plain");

        await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync(crafted, Ct));
    }

    [Fact]
    public async Task Delete_RemovesTheBlob_AndIsIdempotent()
    {
        var reference = await _store.PutAsync(new MemoryStream("bye"u8.ToArray()), "text/plain", cancellationToken: Ct);

        await _store.DeleteAsync(reference, Ct);
        await _store.DeleteAsync(reference, Ct);

        Assert.False(await _store.ExistsAsync(reference, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync(reference, Ct));
    }

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

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
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}

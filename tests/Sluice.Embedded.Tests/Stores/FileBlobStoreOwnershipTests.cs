using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Tests.Stores;

/// <summary>Staged uploads that can be committed again, and blobs owned by one document revision.</summary>
public sealed class FileBlobStoreOwnershipTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sluice-blobs", Guid.NewGuid().ToString("N"));
    private readonly FileBlobStore _store;

    public FileBlobStoreOwnershipTests() => _store = new FileBlobStore(Options.Create(new FileBlobStoreOptions { Root = _root }));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(1000)]
    [InlineData(FileBlobStore.SmallBlobBytes + 1)]
    public async Task StagedBlob_IsNotInTheStoreUntilCommitted_AndACommitAfterADeleteWritesItBack(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        await using var staged = await _store.StageAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);
        Assert.False(await _store.ExistsAsync(staged.Reference, Ct));

        await staged.CommitAsync(Ct);
        Assert.True(await _store.ExistsAsync(staged.Reference, Ct));

        await _store.DeleteAsync(staged.Reference, Ct);
        Assert.False(await _store.ExistsAsync(staged.Reference, Ct));
        await staged.CommitAsync(Ct);

        Assert.Equal(bytes, await ReadAsync(staged.Reference));
    }

    [Fact]
    public async Task StagedBlob_Disposed_LeavesNoTemporaryFile()
    {
        await using (var staged = await _store.StageAsync(new MemoryStream(RandomNumberGenerator.GetBytes(FileBlobStore.SmallBlobBytes + 1)), "text/plain", cancellationToken: Ct))
        {
            await staged.CommitAsync(Ct);
        }

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "tmp")));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(FileBlobStore.SmallBlobBytes + 1)]
    public async Task SameBytesOfTwoOwners_AreTwoBlobs_AndDeletingOneOwnerKeepsTheOther(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var first = await _store.PutOwnedAsync(new BlobOwner("doc-a", 1), new MemoryStream(bytes), "text/plain", Ct);
        var second = await _store.PutOwnedAsync(new BlobOwner("doc-b", 1), new MemoryStream(bytes), "text/plain", Ct);
        var nextRevision = await _store.PutOwnedAsync(new BlobOwner("doc-a", 2), new MemoryStream(bytes), "text/plain", Ct);

        Assert.Equal(first.Sha256, second.Sha256);
        Assert.NotEqual(first.Uri, second.Uri);
        Assert.Equal($"blob:doc:doc-a/1/sha256:{first.Sha256}", first.Uri);

        await _store.DeleteOwnedAsync(new BlobOwner("doc-a", 1), Ct);

        Assert.False(await _store.ExistsAsync(first, Ct));
        Assert.Equal(bytes, await ReadAsync(second));
        Assert.Equal(bytes, await ReadAsync(nextRevision));
    }

    [Theory]
    [InlineData("blob:doc:../1/sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("blob:doc:a/b/1/sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("blob:doc:a/-1/sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("blob:doc:a/1/sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("blob:doc:a/1/sha256:aa")]
    public async Task CraftedOwnedReferences_AreNotFound(string uri)
        => await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync(new BlobReference(uri, "x", 1, "text/plain"), Ct));

    private async Task<byte[]> ReadAsync(BlobReference reference)
    {
        await using var read = await _store.OpenReadAsync(reference, Ct);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    public void Dispose()
    {
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}

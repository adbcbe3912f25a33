using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

public abstract partial class BlobStoreConformance
{
    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(MediumSize)]
    public async Task Put_ThenRead_ReturnsTheBytes_UnderAReferenceThatDescribesThem(int size)
    {
        var store = await OpenStoreAsync();
        var bytes = Bytes(size, seed: 1);

        var reference = await store.PutAsync(new MemoryStream(bytes), "application/pdf", cancellationToken: Ct);

        Assert.Equal(new BlobReference("blob:sha256:" + Sha256Of(bytes), Sha256Of(bytes), size, "application/pdf"), reference);
        Assert.True(await store.ExistsAsync(reference, Ct));
        Assert.Equal(bytes, await ReadAllAsync(store, reference));
        Assert.Equal(0, CountTemporaryFiles());
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(MediumSize)]
    public async Task Put_SameBytesTwice_EvenFromAnotherHost_GivesTheSameReference_AndOneBlob(int size)
    {
        var store = await OpenStoreAsync();
        var otherHost = await OpenStoreAsync();
        var bytes = Bytes(size, seed: 2);

        var first = await store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);
        var second = await otherHost.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);

        Assert.Equal(first, second);
        Assert.Equal(1, await CountStoredAsync(Ct));
        Assert.Equal(bytes, await ReadAllAsync(otherHost, first));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(MediumSize)]
    public async Task Put_OverTheLimit_ThrowsTooLarge_AndKeepsNothing(int limit)
    {
        var store = await OpenStoreAsync();

        var error = await Assert.ThrowsAsync<BlobTooLargeException>(
            () => store.PutAsync(new GeneratedStream(limit + 1, seed: 3), "text/plain", limit, Ct));

        Assert.Equal(limit, error.Limit);
        Assert.Equal(0, await CountStoredAsync(Ct));
        Assert.Equal(0, CountTemporaryFiles());
        await Assert.ThrowsAsync<BlobTooLargeException>(() => store.StageAsync(new GeneratedStream(2L * limit, seed: 3), "text/plain", limit, Ct));
        Assert.Equal(0, CountTemporaryFiles());
    }

    [Theory]
    [InlineData(1000, false)]
    [InlineData(1000, true)]
    [InlineData(MediumSize, false)]
    [InlineData(MediumSize, true)]
    public async Task Put_WhoseUploadBreaksOrIsCancelledHalfway_KeepsNothing(int failAfter, bool cancel)
    {
        var store = await OpenStoreAsync();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var content = new BreakingStream(new GeneratedStream(4L * MediumSize, seed: 12), failAfter, () =>
        {
            if (!cancel)
            {
                throw new IOException("The client went away.");
            }

            cancellation.Cancel();
        });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => store.PutAsync(content, "text/plain", cancellationToken: cancellation.Token));

        Assert.True(cancel ? error is OperationCanceledException : error is IOException, error.ToString());
        Assert.Equal(0, await CountStoredAsync(Ct));
        Assert.Equal(0, CountTemporaryFiles());
    }

    [Fact]
    public async Task Put_ExactlyTheLimit_IsAccepted()
    {
        var store = await OpenStoreAsync();

        var reference = await store.PutAsync(new GeneratedStream(MediumSize, seed: 4), "text/plain", MediumSize, Ct);

        Assert.Equal(GeneratedStream.Expected(MediumSize, seed: 4), await HashAllAsync(store, reference));
    }

    [Fact]
    public async Task Put_LargeStreamedBlob_RoundTrips_WithItsHashVerified()
    {
        var store = await OpenStoreAsync();
        var expected = GeneratedStream.Expected(LargeSize, seed: 5);

        var reference = await store.PutAsync(new GeneratedStream(LargeSize, seed: 5), "application/octet-stream", cancellationToken: Ct);

        Assert.Equal((reference.Size, reference.Sha256), expected);
        Assert.Equal(expected, await HashAllAsync(await OpenStoreAsync(), reference));
        Assert.Equal(0, CountTemporaryFiles());
    }

    [Theory]
    [InlineData(1000, "flipped")]
    [InlineData(1000, "truncated")]
    [InlineData(1000, "extended")]
    [InlineData(MediumSize, "flipped")]
    [InlineData(MediumSize, "truncated")]
    [InlineData(MediumSize, "extended")]
    public async Task Read_ChangedStoredBytes_ThrowsIntegrity(int size, string damage)
    {
        var store = await OpenStoreAsync();
        var bytes = Bytes(size, seed: 6);
        var reference = await store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);
        var damaged = damage switch
        {
            "flipped" => [.. bytes[..^1], (byte)(bytes[^1] ^ 0xFF)],
            "truncated" => bytes[..^10],
            _ => [.. bytes, 42],
        };

        await ReplaceStoredBytesAsync(reference, damaged, Ct);

        await Assert.ThrowsAsync<BlobIntegrityException>(() => ReadAllAsync(store, reference));
    }

    [Fact]
    public async Task Read_Missing_ThrowsNotFound_AndExistsSaysNo()
    {
        var store = await OpenStoreAsync();

        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.OpenReadAsync(Missing(), Ct));
        Assert.False(await store.ExistsAsync(Missing(), Ct));
        Assert.False(await store.ExistsAsync(Missing("blob:doc:doc-1/1/sha256:" + Missing().Sha256), Ct));
    }

    [Theory]
    [InlineData("blob:sha256:../../../etc/passwd")]
    [InlineData("blob:sha256:0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("blob:doc:../x/1/sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("s3://bucket/key")]
    public async Task Read_ReferenceNoStoreMakes_ThrowsNotFound(string uri)
    {
        var store = await OpenStoreAsync();

        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.OpenReadAsync(Missing(uri), Ct));
    }

    [Fact]
    public async Task Delete_RemovesTheBlob_AndIsIdempotent()
    {
        var store = await OpenStoreAsync();
        var reference = await store.PutAsync(new MemoryStream(Bytes(MediumSize, seed: 7)), "text/plain", cancellationToken: Ct);

        await store.DeleteAsync(reference, Ct);
        await store.DeleteAsync(reference, Ct);
        await store.DeleteAsync(Missing(), Ct);

        Assert.False(await store.ExistsAsync(reference, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.OpenReadAsync(reference, Ct));
        Assert.Equal(0, await CountStoredAsync(Ct));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(MediumSize)]
    public async Task Staged_IsNotInTheStoreUntilCommitted_CommitIsRepeatable_AndWritesBackAfterADelete(int size)
    {
        var store = await OpenStoreAsync();
        var bytes = Bytes(size, seed: 8);

        await using (var staged = await store.StageAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct))
        {
            Assert.Equal(new BlobReference("blob:sha256:" + Sha256Of(bytes), Sha256Of(bytes), size, "text/plain"), staged.Reference);
            Assert.False(await store.ExistsAsync(staged.Reference, Ct));

            await staged.CommitAsync(Ct);
            await staged.CommitAsync(Ct);
            Assert.Equal(bytes, await ReadAllAsync(store, staged.Reference));

            await store.DeleteAsync(staged.Reference, Ct);
            await staged.CommitAsync(Ct);
            Assert.Equal(bytes, await ReadAllAsync(store, staged.Reference));
        }

        Assert.Equal(1, await CountStoredAsync(Ct));
        Assert.Equal(0, CountTemporaryFiles());
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(MediumSize)]
    public async Task Staged_DisposedWithoutCommit_LeavesNothing(int size)
    {
        var store = await OpenStoreAsync();
        BlobReference reference;

        await using (var staged = await store.StageAsync(new MemoryStream(Bytes(size, seed: 9)), "text/plain", cancellationToken: Ct))
        {
            reference = staged.Reference;
        }

        Assert.False(await store.ExistsAsync(reference, Ct));
        Assert.Equal(0, await CountStoredAsync(Ct));
        Assert.Equal(0, CountTemporaryFiles());
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(MediumSize)]
    public async Task Owned_EqualBytesOfTwoOwners_AreTwoBlobs_AndDeletingOneOwnerLeavesTheOther(int size)
    {
        var store = await OpenStoreAsync();
        var bytes = Bytes(size, seed: 10);
        var doomed = new BlobOwner("doc-a", 1);
        var kept = new BlobOwner("doc-b", 1);

        var doomedBlob = await store.PutOwnedAsync(doomed, new MemoryStream(bytes), "text/plain", Ct);
        var keptBlob = await store.PutOwnedAsync(kept, new MemoryStream(bytes), "text/plain", Ct);
        var shared = await store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);

        Assert.Equal($"blob:doc:doc-a/1/sha256:{Sha256Of(bytes)}", doomedBlob.Uri);
        Assert.Equal($"blob:doc:doc-b/1/sha256:{Sha256Of(bytes)}", keptBlob.Uri);
        Assert.Equal(3, await CountStoredAsync(Ct));

        await store.DeleteOwnedAsync(doomed, Ct);

        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.OpenReadAsync(doomedBlob, Ct));
        Assert.Equal(bytes, await ReadAllAsync(store, keptBlob));
        Assert.Equal(bytes, await ReadAllAsync(store, shared));
        Assert.Equal(2, await CountStoredAsync(Ct));
    }

    [Fact]
    public async Task DeleteOwned_RemovesEveryBlobOfThatRevision_AndNoOtherOwnersWhoseNamesStartTheSame()
    {
        var store = await OpenStoreAsync();
        var doomed = new BlobOwner("doc", 1);
        BlobOwner[] others = [new("doc", 10), new("doc", 2), new("doc-1", 1), new("doc1", 1)];
        var doomedBlobs = new List<BlobReference>();
        for (var i = 0; i < 3; i++)
        {
            doomedBlobs.Add(await store.PutOwnedAsync(doomed, new MemoryStream(Bytes(i == 0 ? MediumSize : 100, seed: 20 + i)), "text/plain", Ct));
        }

        var otherBlobs = new List<BlobReference>();
        foreach (var other in others)
        {
            otherBlobs.Add(await store.PutOwnedAsync(other, new MemoryStream(Bytes(100, seed: 20)), "text/plain", Ct));
        }

        await store.DeleteOwnedAsync(doomed, Ct);
        await store.DeleteOwnedAsync(doomed, Ct);
        await store.DeleteOwnedAsync(new BlobOwner("never-stored", 1), Ct);

        foreach (var blob in doomedBlobs)
        {
            Assert.False(await store.ExistsAsync(blob, Ct), blob.Uri);
        }

        foreach (var blob in otherBlobs)
        {
            Assert.Equal(Bytes(100, seed: 20), await ReadAllAsync(store, blob));
        }

        Assert.Equal(others.Length, await CountStoredAsync(Ct));
    }

    [Fact]
    public async Task Owned_AnOwnerWhoseIdIsUnsafeInAKey_IsRefused()
    {
        var store = await OpenStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.PutOwnedAsync(new BlobOwner("../escape", 1), new MemoryStream([1, 2, 3]), "text/plain", Ct));

        Assert.Equal(0, await CountStoredAsync(Ct));
        Assert.Equal(0, CountTemporaryFiles());
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(MediumSize)]
    public async Task Put_SameBytesFromManyTasksAtOnce_AllSucceed_AndReadBack(int size)
    {
        IBlobStore[] hosts = [await OpenStoreAsync(), await OpenStoreAsync()];
        var bytes = Bytes(size, seed: 11);

        var references = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(
            () => hosts[i % 2].PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct), Ct)));

        Assert.Single(references.Distinct());
        Assert.Equal(bytes, await ReadAllAsync(hosts[1], references[0]));
        Assert.Equal(1, await CountStoredAsync(Ct));
        Assert.Equal(0, CountTemporaryFiles());
    }
}

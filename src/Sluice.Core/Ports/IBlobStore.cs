using Sluice.Core.Events;

namespace Sluice.Core.Ports;

/// <summary>
/// Content-addressed blob store: the claim-check side of every large payload. Writes stream and hash
/// at once; the same bytes always get the same reference.
/// </summary>
public interface IBlobStore
{
    /// <summary>
    /// Streams <paramref name="content"/> into the store. Throws <see cref="BlobTooLargeException"/>
    /// (and keeps nothing) when more than <paramref name="maxBytes"/> arrive.
    /// </summary>
    Task<BlobReference> PutAsync(
        Stream content, string contentType, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads <paramref name="content"/> whole and hashes it, keeping it aside (in memory or in a temporary file)
    /// without making it part of the store yet; <see cref="StagedBlob.CommitAsync"/> does that, and may be called
    /// again to write the bytes back if the blob was deleted meanwhile. Disposing the staged blob discards what was
    /// kept aside. Throws <see cref="BlobTooLargeException"/> when more than <paramref name="maxBytes"/> arrive.
    /// </summary>
    Task<StagedBlob> StageAsync(
        Stream content, string contentType, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores bytes that belong to one revision of one document (extracted text, chunk batches, vectors). Equal
    /// bytes of two owners are two blobs: deleting one document can never remove what another one still reads.
    /// </summary>
    Task<BlobReference> PutOwnedAsync(
        BlobOwner owner, Stream content, string contentType, CancellationToken cancellationToken = default);

    /// <summary>Deletes every blob <paramref name="owner"/> has; none is not an error.</summary>
    Task DeleteOwnedAsync(BlobOwner owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the blob for reading. The stream verifies size and SHA-256 as it is read and throws
    /// <see cref="BlobIntegrityException"/> at the end when they do not match the reference.
    /// Throws <see cref="BlobNotFoundException"/> when it is gone.
    /// </summary>
    Task<Stream> OpenReadAsync(BlobReference reference, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(BlobReference reference, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob; deleting a missing blob is not an error.</summary>
    Task DeleteAsync(BlobReference reference, CancellationToken cancellationToken = default);
}

/// <summary>The document revision that owns derived blobs (see <see cref="IBlobStore.PutOwnedAsync"/>).</summary>
public sealed record BlobOwner(string DocumentId, int Revision)
{
    /// <summary>Whether the owner's parts are safe to use in a key or path: an id of letters, digits, '-' and '_', a positive revision.</summary>
    public bool IsValid => Revision > 0 && DocumentId.Length is > 0 and <= 128 && DocumentId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public override string ToString() => $"{DocumentId}@{Revision}";
}

/// <summary>
/// Bytes read and hashed, kept aside until committed into the store (see <see cref="IBlobStore.StageAsync"/>).
/// </summary>
public abstract class StagedBlob : IAsyncDisposable
{
    protected StagedBlob(BlobReference reference) => Reference = reference;

    /// <summary>The reference the bytes have once committed.</summary>
    public BlobReference Reference { get; }

    /// <summary>Makes the blob part of the store, durably; when it is there already nothing is written. Repeatable.</summary>
    public abstract Task CommitAsync(CancellationToken cancellationToken = default);

    public abstract ValueTask DisposeAsync();
}

public class BlobTooLargeException(long limit)
    : Exception($"The content is larger than the limit of {limit} bytes.")
{
    public long Limit { get; } = limit;
}

public class BlobNotFoundException(string uri)
    : Exception($"Blob {uri} is not in the store.")
{
    public string Uri { get; } = uri;
}

public class BlobIntegrityException(string message) : Exception(message);

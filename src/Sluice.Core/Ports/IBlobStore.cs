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
    /// Opens the blob for reading. The stream verifies size and SHA-256 as it is read and throws
    /// <see cref="BlobIntegrityException"/> at the end when they do not match the reference.
    /// Throws <see cref="BlobNotFoundException"/> when it is gone.
    /// </summary>
    Task<Stream> OpenReadAsync(BlobReference reference, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(BlobReference reference, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob; deleting a missing blob is not an error.</summary>
    Task DeleteAsync(BlobReference reference, CancellationToken cancellationToken = default);
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

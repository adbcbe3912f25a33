using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.S3.Internal;

/// <summary>
/// Bytes kept aside until committed to their object. Committing again after the object was deleted uploads them
/// again; disposing discards them.
/// </summary>
internal sealed class S3StagedBlob(BlobReference reference, string key, StagedContent content, S3BlobStore store) : StagedBlob(reference)
{
    public override Task CommitAsync(CancellationToken cancellationToken = default)
        => store.UploadAsync(key, content, Reference.ContentType, cancellationToken);

    public override ValueTask DisposeAsync()
    {
        content.Dispose();
        return ValueTask.CompletedTask;
    }
}

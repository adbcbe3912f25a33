using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.Blobs;

/// <summary>
/// A large blob in a temporary file. Committing links the file under its content address (no copy) and keeps the
/// temporary name, so that a second commit can bring the blob back if it was deleted in between; disposing removes
/// the temporary name.
/// </summary>
internal sealed class StagedFileBlob(BlobReference reference, string tempPath, string target, DurableFiles durable) : StagedBlob(reference)
{
    public override Task CommitAsync(CancellationToken cancellationToken = default)
        => File.Exists(target) ? Task.CompletedTask : durable.LinkAsync(tempPath, target);

    public override ValueTask DisposeAsync()
    {
        File.Delete(tempPath);
        return ValueTask.CompletedTask;
    }
}

using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded.Internal.Blobs;

/// <summary>A small blob held in memory until it is inserted into the small-blob table.</summary>
internal sealed class StagedSmallBlob(BlobReference reference, BlobKey key, byte[] data, SqliteWriteQueue writes) : StagedBlob(reference)
{
    // Not cancellable once queued: a caller that gave up may still leave the blob behind, which is harmless.
    public override Task CommitAsync(CancellationToken cancellationToken = default)
        => writes.RunAsync(db => db.Execute("INSERT OR IGNORE INTO blobs (sha256, data) VALUES ($p0, $p1)", key.TableKey, data), CancellationToken.None);

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

using Sluice.Core.Deletion;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>
/// Makes deletions in the embedded stores physical. Every store file overwrites deleted content
/// (<c>PRAGMA secure_delete</c>), but the write-ahead log still holds earlier images of those pages until it is
/// checkpointed and truncated, which this does for every store file the process has open.
/// </summary>
public sealed class SqliteDataEraser : IDeletedDataEraser
{
    public Task EraseDeletedAsync(CancellationToken cancellationToken = default)
        => Task.Run(SqliteFile.EraseDeletedEverywhere, cancellationToken);
}

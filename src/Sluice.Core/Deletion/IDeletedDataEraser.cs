namespace Sluice.Core.Deletion;

/// <summary>
/// A store that keeps deleted data in its files until told otherwise (SQLite's write-ahead log keeps old page images
/// until it is checkpointed and truncated). Called after deletions, so that deleted content leaves the disk.
/// </summary>
public interface IDeletedDataEraser
{
    Task EraseDeletedAsync(CancellationToken cancellationToken = default);
}

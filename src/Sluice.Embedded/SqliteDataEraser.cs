using Microsoft.Extensions.Options;
using Sluice.Core.Deletion;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>
/// Makes deletions in the embedded stores physical. Every store file overwrites deleted rows in place
/// (<c>PRAGMA secure_delete</c>), but that is not enough on its own: the write-ahead log still holds earlier images
/// of those pages until it is checkpointed and truncated, and pages that SQLite rebuilt when they split keep stale
/// copies of the rows they moved in their unused space. So after deletions every store file the process has open is
/// rewritten (<c>VACUUM</c>, unless <see cref="SqliteStoreOptions.VacuumAfterDeletes"/> is off) and its log truncated.
/// Concurrent requests share one pass.
/// </summary>
public sealed class SqliteDataEraser(IOptions<SqliteStoreOptions> options) : IDeletedDataEraser, IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);

    public async Task EraseDeletedAsync(CancellationToken cancellationToken = default)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            await Task.Run(() => SqliteFile.EraseDeletedEverywhere(options.Value.VacuumAfterDeletes), cancellationToken);
        }
        finally
        {
            _one.Release();
        }
    }

    public void Dispose() => _one.Dispose();
}

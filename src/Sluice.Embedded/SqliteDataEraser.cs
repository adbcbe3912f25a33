using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sluice.Core.Deletion;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>
/// Makes deletions in the embedded stores physical. Every store file overwrites deleted rows in place
/// (<c>PRAGMA secure_delete</c>), but that is not enough on its own: the write-ahead log still holds earlier images
/// of those pages until it is checkpointed and truncated, and pages that SQLite rebuilt when they split keep stale
/// copies of the rows they moved in their unused space. So after deletions every store file holding content under the
/// data directory is rewritten (<c>VACUUM</c>, unless <see cref="SqliteStoreOptions.VacuumAfterDeletes"/> is off)
/// and its log truncated. Concurrent requests share one pass.
/// </summary>
public sealed partial class SqliteDataEraser(IOptions<SqliteStoreOptions> options, ILogger<SqliteDataEraser>? logger = null)
    : IDeletedDataEraser, IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly ILogger _logger = logger ?? NullLogger<SqliteDataEraser>.Instance;

    public async Task EraseDeletedAsync(CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(options.Value.StatusPath))!;
        await _one.WaitAsync(cancellationToken);
        try
        {
            await Task.Run(
                () => SqliteFile.EraseDeleted(directory, options.Value.VacuumAfterDeletes, (path, ex) => LogBusy(_logger, ex, Path.GetFileName(path))),
                cancellationToken);
        }
        finally
        {
            _one.Release();
        }
    }

    public void Dispose() => _one.Dispose();

    [LoggerMessage(1, LogLevel.Warning, "Could not erase deleted content from {File} yet; it is done at the next deletion")]
    private static partial void LogBusy(ILogger logger, Exception exception, string file);
}

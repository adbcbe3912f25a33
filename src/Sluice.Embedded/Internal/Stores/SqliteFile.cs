using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal.Stores;

/// <summary>
/// A store's SQLite file in WAL mode: pooled connections, its schema created (and an older file upgraded, when
/// the store has an upgrade step) once per process. Deleted content is overwritten (<c>secure_delete</c>), and
/// <see cref="EraseDeletedEverywhere"/> truncates the write-ahead logs, which still hold the pages as they were.
/// </summary>
/// <remarks>
/// Commits are flushed (<see cref="SqliteSynchronousMode.Full"/>) unless the store says that surviving a crash of the
/// process is enough (<see cref="SqliteSynchronousMode.Normal"/>).
/// </remarks>
internal sealed class SqliteFile
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, WeakReference<SqliteFile>> OpenFiles = new(StringComparer.Ordinal);

    private readonly SqliteConnectionFactory _connections;
    private readonly string _schema;
    private readonly Action<SqliteConnection>? _upgrade;

    /// <param name="path">The database file.</param>
    /// <param name="schema">SQL creating what the store needs, run once per process.</param>
    /// <param name="upgrade">Brings a file made by an older build up to date, after the schema.</param>
    /// <param name="synchronous">How commits are flushed.</param>
    /// <param name="holdsContent">
    /// Whether the file keeps documents' content (text, chunks, summaries): such files are rewritten by
    /// <see cref="EraseDeletedEverywhere"/> after deletions.
    /// </param>
    public SqliteFile(
        string path, string schema, Action<SqliteConnection>? upgrade = null, SqliteSynchronousMode synchronous = SqliteSynchronousMode.Full,
        bool holdsContent = false)
    {
        _connections = new(path, synchronous, TimeSpan.FromSeconds(30), pooling: true, secureDelete: true);
        _schema = schema;
        _upgrade = upgrade;
        if (holdsContent)
        {
            OpenFiles[_connections.FullPath] = new WeakReference<SqliteFile>(this);
        }
    }

    /// <summary>
    /// Checkpoints every store file holding content that this process has open and truncates its write-ahead log, so that pages as they
    /// were before a deletion leave the disk; with <paramref name="vacuum"/>, rewrites each file first, which also
    /// drops the stale copies of moved rows that page rebuilds leave in unused space. A file busy with readers keeps
    /// its log until the next call.
    /// </summary>
    public static void EraseDeletedEverywhere(bool vacuum)
    {
        foreach (var (path, reference) in OpenFiles)
        {
            if (!reference.TryGetTarget(out var file))
            {
                OpenFiles.TryRemove(path, out _);
                continue;
            }

            using var connection = file.Open();
            using var command = connection.CreateCommand();
            command.CommandText = vacuum ? "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);" : "PRAGMA wal_checkpoint(TRUNCATE)";
            command.ExecuteNonQuery();
        }
    }
    private readonly Lock _schemaLock = new();
    private volatile bool _ready;

    /// <summary>Opens a connection synchronously (for the write queue's own thread).</summary>
    public SqliteConnection Open()
    {
        var connection = _connections.Open();
        if (!_ready)
        {
            EnsureSchema(connection);
        }

        return connection;
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _connections.OpenAsync(cancellationToken);
        if (!_ready)
        {
            EnsureSchema(connection);
        }

        return connection;
    }

    private void EnsureSchema(SqliteConnection connection)
    {
        lock (_schemaLock)
        {
            if (_ready)
            {
                return;
            }

            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL;\n" + _schema;
            command.ExecuteNonQuery();
            _upgrade?.Invoke(connection);
            _ready = true;
        }
    }
}

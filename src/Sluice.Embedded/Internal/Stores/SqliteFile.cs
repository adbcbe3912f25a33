using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal.Stores;

/// <summary>
/// A store's SQLite file in WAL mode: pooled connections, its schema created (and an older file upgraded, when
/// the store has an upgrade step) once per process. Deleted content is overwritten (<c>secure_delete</c>), and
/// <see cref="EraseDeleted"/> truncates the write-ahead logs, which still hold the pages as they were.
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
    private readonly Lock _schemaLock = new();
    private volatile bool _ready;

    /// <param name="path">The database file.</param>
    /// <param name="schema">SQL creating what the store needs, run once per process.</param>
    /// <param name="upgrade">Brings a file made by an older build up to date, after the schema.</param>
    /// <param name="synchronous">How commits are flushed.</param>
    /// <param name="holdsContent">
    /// Whether the file keeps documents' content (text, chunks, summaries): such files are rewritten by
    /// <see cref="EraseDeleted"/> after deletions.
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
    /// Rewrites (with <paramref name="vacuum"/>) and checkpoints every store file holding content that this process has
    /// open under <paramref name="directory"/>, truncating its write-ahead log, so that pages as they were before a
    /// deletion leave the disk. Each file is done on its own: one that stays busy (a reader holding an old snapshot)
    /// is reported through <paramref name="failed"/> and the others are still done.
    /// </summary>
    public static void EraseDeleted(string directory, bool vacuum, Action<string, Exception> failed)
    {
        var root = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        foreach (var (path, reference) in OpenFiles)
        {
            if (!reference.TryGetTarget(out var file))
            {
                OpenFiles.TryRemove(path, out _);
                continue;
            }

            if (!path.StartsWith(root, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                file.Erase(vacuum);
            }
            catch (Exception ex) when (ex is SqliteException or IOException)
            {
                failed(path, ex);
            }
        }
    }

    private void Erase(bool vacuum)
    {
        using var connection = Open();
        if (vacuum)
        {
            using var rewrite = connection.CreateCommand();
            rewrite.CommandText = "VACUUM";
            rewrite.ExecuteNonQuery();
        }

        // TRUNCATE waits (busy timeout) for readers on older snapshots, and says so in its first column when it could not.
        for (var attempt = 1; ; attempt++)
        {
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            using var reader = checkpoint.ExecuteReader();
            if (!reader.Read() || reader.GetInt64(0) == 0)
            {
                return;
            }

            if (attempt == 5)
            {
                throw new IOException($"the write-ahead log of '{Path.GetFileName(_connections.FullPath)}' stayed busy; it is truncated at the next deletion");
            }

            Thread.Sleep(200 * attempt);
        }
    }

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

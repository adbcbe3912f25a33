using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal.Stores;

/// <summary>
/// A store's SQLite file in WAL mode: pooled connections, its schema created (and an older file upgraded, when
/// the store has an upgrade step) once per process.
/// </summary>
/// <remarks>
/// Commits are flushed (<see cref="SqliteSynchronousMode.Full"/>) unless the store says that surviving a crash of the
/// process is enough (<see cref="SqliteSynchronousMode.Normal"/>).
/// </remarks>
internal sealed class SqliteFile(
    string path, string schema, Action<SqliteConnection>? upgrade = null, SqliteSynchronousMode synchronous = SqliteSynchronousMode.Full)
{
    private readonly SqliteConnectionFactory _connections = new(path, synchronous, TimeSpan.FromSeconds(30), pooling: true);
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
            command.CommandText = "PRAGMA journal_mode = WAL;\n" + schema;
            command.ExecuteNonQuery();
            upgrade?.Invoke(connection);
            _ready = true;
        }
    }
}

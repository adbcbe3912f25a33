using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal.Stores;

/// <summary>
/// Opens connections to one SQLite file in WAL mode with a busy timeout, creating its schema once.
/// Several processes may share the file (an API and workers on one machine).
/// </summary>
internal sealed class SqliteFile
{
    private readonly string _connectionString;
    private readonly string _schema;
    private readonly Lock _schemaLock = new();
    private volatile bool _ready;

    public SqliteFile(string path, string schema)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _schema = schema;
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, "PRAGMA busy_timeout = 30000; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", cancellationToken);
            if (!_ready)
            {
                EnsureSchema(connection);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
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
            _ready = true;
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

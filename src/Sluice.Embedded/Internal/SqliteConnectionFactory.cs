using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal;

/// <summary>
/// Opens connections to one SQLite file, all configured alike (busy timeout, synchronous level). The
/// event log and the stores share it; several processes may open the same file.
/// </summary>
internal sealed class SqliteConnectionFactory
{
    private readonly string _connectionString;
    private readonly string _pragmas;

    public SqliteConnectionFactory(string path, SqliteSynchronousMode synchronous, TimeSpan busyTimeout, bool pooling, bool secureDelete = false)
    {
        FullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(FullPath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = pooling,
            DefaultTimeout = Math.Max((int)Math.Ceiling(busyTimeout.TotalSeconds), 1),
        }.ToString();

        var level = synchronous switch
        {
            SqliteSynchronousMode.Off => "OFF",
            SqliteSynchronousMode.Normal => "NORMAL",
            SqliteSynchronousMode.Extra => "EXTRA",
            _ => "FULL",
        };
        _pragmas = $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds}; PRAGMA synchronous = {level};"
                   + (secureDelete ? " PRAGMA secure_delete = ON;" : string.Empty);
    }

    /// <summary>Absolute path of the database file; identifies it within the process.</summary>
    public string FullPath { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}

using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>Opens connections to the log file, configured alike (WAL, synchronous, busy timeout).</summary>
internal sealed class SqliteConnectionFactory
{
    private readonly string _connectionString;
    private readonly string _pragmas;

    public SqliteConnectionFactory(SqliteEventLogOptions options)
    {
        FullPath = System.IO.Path.GetFullPath(options.Path);
        var directory = System.IO.Path.GetDirectoryName(FullPath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var busySeconds = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = Math.Max(busySeconds, 1),
        }.ToString();

        var synchronous = options.Synchronous switch
        {
            SqliteSynchronousMode.Off => "OFF",
            SqliteSynchronousMode.Normal => "NORMAL",
            SqliteSynchronousMode.Extra => "EXTRA",
            _ => "FULL",
        };
        _pragmas = $"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = OFF;";
    }

    /// <summary>Absolute path of the database file; identifies the log within the process.</summary>
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
}

using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>
/// Write transactions that take the write lock up front (<c>BEGIN IMMEDIATE</c>), so that the busy timeout
/// applies instead of a deferred transaction failing on upgrade when another process writes.
/// </summary>
internal static class WriteTransaction
{
    public static T Run<T>(SqliteConnection connection, Func<SqliteConnection, T> body)
    {
        Execute(connection, "BEGIN IMMEDIATE;");
        T result;
        try
        {
            result = body(connection);
        }
        catch
        {
            Rollback(connection);
            throw;
        }

        try
        {
            Execute(connection, "COMMIT;");
        }
        catch
        {
            Rollback(connection);
            throw;
        }

        return result;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Rollback(SqliteConnection connection)
    {
        try
        {
            if (!connection.AutoCommitMode())
            {
                Execute(connection, "ROLLBACK;");
            }
        }
        catch (SqliteException)
        {
            // The transaction is already gone (SQLite rolls back by itself on some errors).
        }
    }

    private static bool AutoCommitMode(this SqliteConnection connection) =>
        SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0;
}

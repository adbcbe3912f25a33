using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal.Stores;

/// <summary>
/// Commands of one connection, kept by their SQL text so that each statement is prepared once for the
/// connection's life instead of once per use (the write queue's connection runs thousands of them a second).
/// </summary>
internal sealed class Statements(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection => connection;

    /// <summary>The command for <paramref name="sql"/>, its parameters cleared.</summary>
    public SqliteCommand Get(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }

        command.Parameters.Clear();
        return command;
    }

    /// <summary>Runs <paramref name="sql"/> with parameters <c>$p0</c>, <c>$p1</c>… bound in order; returns the rows changed.</summary>
    public int Execute(string sql, params object?[] parameters)
    {
        var command = Get(sql);
        for (var i = 0; i < parameters.Length; i++)
        {
            command.Parameters.AddWithValue(ParameterName(i), parameters[i] ?? DBNull.Value);
        }

        return command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }

    private static readonly string[] Names = [.. Enumerable.Range(0, 16).Select(i => $"$p{i}")];

    private static string ParameterName(int i) => i < Names.Length ? Names[i] : $"$p{i}";
}

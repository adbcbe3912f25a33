using Npgsql;

namespace Sluice.Postgres.Internal;

internal static class Statements
{
    /// <summary>A statement of a batch with positional parameters (<c>$1</c>, <c>$2</c>…), their types inferred from the values.</summary>
    public static NpgsqlBatchCommand Of(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }
}

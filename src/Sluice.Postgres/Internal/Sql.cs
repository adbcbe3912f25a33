using System.Data;
using Npgsql;
using NpgsqlTypes;

namespace Sluice.Postgres.Internal;

/// <summary>Positional-parameter commands and the transactions the stores run them in.</summary>
internal static class Sql
{
    /// <summary>Attempts of a transaction that PostgreSQL rolled back to break a deadlock (or a serialization conflict).</summary>
    private const int Attempts = 5;

    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
        => new(sql, connection, transaction);

    /// <summary>Adds the next positional parameter (<c>$1</c>, <c>$2</c>…), typed from its value.</summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, object value)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = value is DateTimeOffset at ? at.ToUniversalTime() : value });
        return command;
    }

    /// <summary>Adds the next positional parameter with an explicit type, for values that may be null.</summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, object? value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = value switch
            {
                null => DBNull.Value,
                DateTimeOffset at => at.ToUniversalTime(),
                _ => value,
            },
            NpgsqlDbType = type,
        });
        return command;
    }

    public static async Task<int> ExecuteAsync(this NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public static async Task<T> ScalarAsync<T>(this NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
    }

    /// <summary>Writes an integer column of a binary COPY row, or NULL.</summary>
    public static Task WriteIntegerOrNullAsync(this NpgsqlBinaryImporter writer, int? value, CancellationToken cancellationToken)
        => value is { } v ? writer.WriteAsync(v, NpgsqlDbType.Integer, cancellationToken) : writer.WriteNullAsync(cancellationToken);

    public static DateTimeOffset? GetTimeOrNull(this NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static string? GetStringOrNull(this NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>
    /// Runs <paramref name="work"/> in a READ COMMITTED transaction and commits it. A transaction PostgreSQL chose as a
    /// deadlock victim (or failed to serialize) was rolled back whole, so it is run again, a few times.
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(
        PostgresDatabase database, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            try
            {
                var result = await work(connection, transaction);
                await transaction.CommitAsync(cancellationToken);
                return result;
            }
            catch (PostgresException ex) when (attempt < Attempts
                                               && ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // Rolled back by the server: nothing of this attempt remains; the next one starts over.
            }
        }
    }
}

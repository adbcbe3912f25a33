using Npgsql;

namespace Sluice.Postgres.Tests;

/// <summary>Waits until the change feed can show every change committed so far (see <see cref="PostgresStatusStore"/>).</summary>
internal static class PostgresFeedSettling
{
    /// <summary>
    /// Takes the next transaction id to be assigned now and waits until the oldest running transaction is no older:
    /// every transaction running now has ended, so the feed holds nothing committed back any more.
    /// </summary>
    public static async Task SettleAsync(PostgresDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var horizon = await ScalarAsync(connection, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint", cancellationToken);
        while (await ScalarAsync(connection, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint", cancellationToken) < horizon)
        {
            await Task.Delay(5, cancellationToken);
        }
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

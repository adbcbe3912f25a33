using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal.Index;

/// <summary>
/// The change log: every write transaction appends one generation naming the document it changed. The
/// latest generation is what a reader compares with its snapshot's before each search (one indexed read).
/// </summary>
internal static class IndexGeneration
{
    public static async Task<long> CurrentAsync(SqliteConnection connection, CancellationToken cancellationToken = default) =>
        await ScalarAsync(connection, "SELECT COALESCE(MAX(generation), 0) FROM search_changes", cancellationToken);

    /// <summary>
    /// The documents changed after <paramref name="since"/>, or null when the log no longer reaches back that far
    /// (the reader must then load everything).
    /// </summary>
    public static async Task<IReadOnlyList<string>?> ChangedSinceAsync(SqliteConnection connection, long since, CancellationToken cancellationToken = default)
    {
        var oldest = await ScalarAsync(connection, "SELECT COALESCE(MIN(generation), 0) FROM search_changes", cancellationToken);
        if (oldest > since + 1)
        {
            return null;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT document_id FROM search_changes WHERE generation > $since";
        command.Parameters.AddWithValue("$since", since);
        var documents = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            documents.Add(reader.GetString(0));
        }

        return documents;
    }

    /// <summary>Appends a generation for <paramref name="documentId"/> inside the caller's write transaction.</summary>
    public static async Task<IndexChange> BumpAsync(SqliteConnection connection, string documentId, CancellationToken cancellationToken = default)
    {
        var previous = await CurrentAsync(connection, cancellationToken);
        var generation = previous + 1;
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO search_changes (generation, document_id) VALUES ($generation, $doc);
            DELETE FROM search_changes WHERE generation <= $generation - $retention;
            """;
        command.Parameters.AddWithValue("$generation", generation);
        command.Parameters.AddWithValue("$doc", documentId);
        command.Parameters.AddWithValue("$retention", IndexSchema.ChangeLogRetention);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new IndexChange(previous, generation);
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }
}

/// <summary>A committed write moved the file from <paramref name="Previous"/> to <paramref name="Generation"/>.</summary>
internal readonly record struct IndexChange(long Previous, long Generation);

using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.Index;

/// <summary>Reads result rows: the chunk columns of <c>search_chunks</c> as <see cref="SearchHit"/>s.</summary>
internal static class HitRows
{
    /// <summary>The chunk columns, aliased <c>c</c>, in the order <see cref="Read"/> expects.</summary>
    public const string Columns = "c.row_id, c.chunk_id, c.document_id, c.idx, c.text, c.start_offset, c.end_offset, c.page";

    /// <summary>The rows with these ids that still exist (a replaced document's old rows are gone).</summary>
    public static async Task<Dictionary<long, SearchHit>> FetchAsync(
        SqliteConnection connection, IEnumerable<long> rowIds, CancellationToken cancellationToken = default)
    {
        var hits = new Dictionary<long, SearchHit>();
        var ids = "[" + string.Join(",", rowIds.Select(id => id.ToString(CultureInfo.InvariantCulture))) + "]";
        if (ids == "[]")
        {
            return hits;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM search_chunks c WHERE c.row_id IN (SELECT value FROM json_each($ids))";
        command.Parameters.AddWithValue("$ids", ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            hits[reader.GetInt64(0)] = Read(reader, 0);
        }

        return hits;
    }

    /// <summary>A JSON array of the ids for <c>json_each</c>, or <see cref="DBNull"/> when there is no filter.</summary>
    public static object JsonArrayOrNull(IReadOnlyCollection<string>? values) =>
        values is null ? DBNull.Value : JsonSerializer.Serialize(values.ToArray());

    public static SearchHit Read(SqliteDataReader reader, double score) => new(
        reader.GetString(2),
        reader.GetString(1),
        reader.GetInt32(3),
        reader.GetString(4),
        score,
        reader.GetInt32(5),
        reader.GetInt32(6),
        reader.IsDBNull(7) ? null : reader.GetInt32(7));
}

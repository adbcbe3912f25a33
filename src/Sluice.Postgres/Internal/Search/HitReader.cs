using Npgsql;
using Sluice.Core.Ports;

namespace Sluice.Postgres.Internal.Search;

/// <summary>Reads hits in the column order of <see cref="SearchSql.Columns"/>, followed by a score or distance.</summary>
internal static class HitReader
{
    public static SearchHit Read(NpgsqlDataReader reader, double score) => new(
        reader.GetString(1),
        reader.GetString(0),
        reader.GetInt32(2),
        reader.GetString(3),
        score,
        reader.GetInt32(4),
        reader.GetInt32(5),
        reader.IsDBNull(6) ? null : reader.GetInt32(6));

    /// <summary>
    /// Similarity from cosine distance, as the embedded index reports it (1 = same direction, 0 = orthogonal). pgvector
    /// gives NaN for a zero vector, which has no direction: it scores 0, like a dot product with it.
    /// </summary>
    public static double Similarity(double distance) => double.IsNaN(distance) ? 0 : 1 - distance;
}

using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Sluice.Postgres.Internal.Search;

/// <summary>
/// One HNSW index per vector dimension over the untyped <c>embedding</c> column: <c>embedding::vector(n)</c> with
/// <c>vector_cosine_ops</c>, partial on <c>dimensions = n</c>, built the first time a vector of dimension <c>n</c> is
/// upserted. A search orders by the same expression (<see cref="OrderBy"/>), so the planner can use the index.
/// </summary>
/// <remarks>
/// The index is built with <c>CREATE INDEX CONCURRENTLY</c>, so writes of the other dimensions go on while it is built,
/// under a session advisory lock taken with <c>pg_try_advisory_lock</c>: the process that gets it builds, the others
/// do not wait (a waiter would hold a snapshot the concurrent build has to wait for) and write their rows, which the
/// build picks up. A build that died leaves an invalid index; the next builder drops it and builds again. Vectors of
/// more than 2,000 dimensions (pgvector's limit for <c>vector</c>) are indexed as <c>halfvec</c> up to 4,000; beyond
/// that a search is exact.
/// </remarks>
internal sealed class VectorIndexes(PostgresDatabase database, ILogger logger)
{
    public const int MaxVectorDimensions = 2000;
    public const int MaxHalfVectorDimensions = 4000;

    /// <summary>The advisory lock space of index builds (second key: the dimension).</summary>
    private const int BuildLock = 0x5C_0003;

    private readonly ConcurrentDictionary<int, bool> _ready = new();

    public static string IndexName(int dimensions) => $"search_chunks_hnsw_{dimensions}";

    /// <summary>
    /// The distance the dimension's index orders by, between the stored vector and parameter <paramref name="parameter"/>.
    /// </summary>
    public static string OrderBy(int dimensions, string parameter) => dimensions is > MaxVectorDimensions and <= MaxHalfVectorDimensions
        ? $"embedding::halfvec({dimensions}) <=> {parameter}::halfvec({dimensions})"
        : Distance(dimensions, parameter);

    /// <summary>The exact cosine distance between the stored vector and parameter <paramref name="parameter"/>.</summary>
    public static string Distance(int dimensions, string parameter) => $"embedding::vector({dimensions}) <=> {parameter}::vector({dimensions})";

    /// <summary>Makes sure the dimension is registered and its index exists or is being built by some process.</summary>
    public async Task EnsureAsync(int dimensions, CancellationToken cancellationToken)
    {
        if (_ready.ContainsKey(dimensions))
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "INSERT INTO search_dimensions (dimensions) VALUES ($1) ON CONFLICT DO NOTHING", cancellationToken, dimensions);
        if (dimensions > MaxHalfVectorDimensions)
        {
            SearchLog.NoIndexForDimensions(logger, dimensions, MaxHalfVectorDimensions);
            _ready[dimensions] = true;
            return;
        }

        var name = $"{database.Schema}.{IndexName(dimensions)}";
        if (await IsValidAsync(connection, name, cancellationToken) == true)
        {
            _ready[dimensions] = true;
            return;
        }

        if (!(bool)(await ScalarAsync(connection, "SELECT pg_try_advisory_lock($1, $2)", cancellationToken, BuildLock, dimensions))!)
        {
            // Another process builds it; the rows written meanwhile are picked up by its concurrent build.
            return;
        }

        try
        {
            switch (await IsValidAsync(connection, name, cancellationToken))
            {
                case true:
                    _ready[dimensions] = true;
                    return;
                case false:
                    SearchLog.InvalidIndexDropped(logger, name);
                    await ExecuteAsync(connection, $"DROP INDEX CONCURRENTLY IF EXISTS {name}", cancellationToken);
                    break;
            }

            var started = Stopwatch.GetTimestamp();
            var (type, operators) = dimensions > MaxVectorDimensions ? ("halfvec", "halfvec_cosine_ops") : ("vector", "vector_cosine_ops");
            await ExecuteAsync(
                connection,
                $"""
                CREATE INDEX CONCURRENTLY IF NOT EXISTS {IndexName(dimensions)} ON {database.Schema}.search_chunks
                USING hnsw ((embedding::{type}({dimensions})) {operators}) WHERE dimensions = {dimensions}
                """,
                cancellationToken);
            _ready[dimensions] = true;
            SearchLog.IndexBuilt(logger, name, dimensions, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock($1, $2)", CancellationToken.None, BuildLock, dimensions);
        }
    }

    /// <summary>The dimensions the index has held, ascending.</summary>
    public static async Task<int[]> HeldAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        (int[])(await ScalarAsync(connection, "SELECT COALESCE(array_agg(dimensions ORDER BY dimensions), '{}') FROM search_dimensions", cancellationToken))!;

    /// <summary>True when the index exists and is valid, false when it exists but is invalid, null when it does not exist.</summary>
    private static async Task<bool?> IsValidAsync(NpgsqlConnection connection, string name, CancellationToken cancellationToken) =>
        await ScalarAsync(connection, "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)", cancellationToken, name) as bool?;

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object[] parameters)
    {
        // An index build takes as long as the table is large: no command timeout.
        var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }
}

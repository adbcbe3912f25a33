using System.ComponentModel.DataAnnotations;

namespace Sluice.Postgres;

/// <summary>The PostgreSQL search index (<c>Sluice:Postgres:Search</c>): how HNSW searches trade speed for recall.</summary>
public sealed class PostgresSearchIndexOptions
{
    public const string Section = "Sluice:Postgres:Search";

    /// <summary>
    /// HNSW candidate list size of a search (<c>hnsw.ef_search</c>); a search that asks for more results than this uses
    /// its result count instead. Higher finds more of the true nearest neighbours and costs more.
    /// </summary>
    [Range(10, 1000)]
    public int EfSearch { get; set; } = 100;

    /// <summary>
    /// Most index tuples one filtered search visits (<c>hnsw.max_scan_tuples</c>) while iterative scanning looks for
    /// chunks of the tenant (or documents) asked for: a tenant holding a tiny share of the vectors may get fewer than k
    /// results beyond it, where an exact scan of the tenant's rows is chosen by the planner anyway when it is cheaper.
    /// </summary>
    [Range(1_000, 10_000_000)]
    public int MaxScanTuples { get; set; } = 20_000;

    /// <summary>A document with at least this many chunks is written with binary COPY instead of batched inserts.</summary>
    [Range(1, 100_000)]
    public int CopyThreshold { get; set; } = 32;
}

namespace Sluice.Postgres.Internal.Search;

/// <summary>
/// The statements of a search. Every value is a parameter; the only things written into the text are the vector
/// dimension (an integer: the cast <c>vector(n)</c> must match the dimension's index expression) and which filters
/// apply (separate statements, so each gets a plan that uses the index its filter needs). Ties are broken by chunk id
/// in byte order (<c>COLLATE "C"</c>), as the embedded index breaks them (ordinal), whatever the database's collation.
/// </summary>
internal static class SearchSql
{
    /// <summary>The hit columns, in the order <see cref="HitReader"/> reads them, before the score.</summary>
    public const string Columns = "chunk_id, document_id, idx, text, start_offset, end_offset, page";

    /// <summary>
    /// The search's HNSW settings, for its transaction only: iterative scans (pgvector 0.8) go on through the graph
    /// until enough rows pass the tenant and document filters, in relaxed order (the nearest query re-sorts).
    /// Parameters: ef_search, max_scan_tuples.
    /// </summary>
    public const string Settings = """
        SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),
               set_config('hnsw.ef_search', $1, true),
               set_config('hnsw.max_scan_tuples', $2, true)
        """;

    /// <summary>Rows of the chunks with these ids. Parameter: chunk ids.</summary>
    public const string Rows = $"SELECT {Columns} FROM search_chunks WHERE chunk_id = ANY($1)";

    /// <summary>
    /// The nearest chunks by cosine distance, nearest first; the last column is the distance. Parameters: query vector,
    /// tenant, limit, with <paramref name="byDocument"/> the document ids, and last the embedder (<c>name@version</c>):
    /// only vectors the query's own embedder made are compared. The inner query is what the HNSW index answers (in
    /// relaxed order, its iterative scan walking on until enough rows pass the filters); the outer one puts the rows in
    /// exact order.
    /// </summary>
    public static string Nearest(int dimensions, bool byDocument, bool idsOnly) => $"""
        WITH nearest AS MATERIALIZED (
            SELECT {(idsOnly ? "chunk_id" : Columns)}, {VectorIndexes.Distance(dimensions, "$1")} AS distance
            FROM search_chunks
            WHERE dimensions = {dimensions} AND tenant = $2{(byDocument ? " AND document_id = ANY($4)" : string.Empty)}
              AND embedder = ${(byDocument ? 5 : 4)}
            ORDER BY {VectorIndexes.OrderBy(dimensions, "$1")}
            LIMIT $3)
        SELECT * FROM nearest ORDER BY distance, chunk_id COLLATE "C"
        """;

    /// <summary>
    /// Chunks matching any of the words, best first by a BM25-like score: for each distinct word, its inverse document
    /// frequency over the tenant's chunks (BM25's <c>ln(1 + (N - df + 0.5) / (df + 0.5))</c>, counted through the GIN
    /// index) times how well the chunk matches it (<c>ts_rank</c>, which saturates with the word's count, divided by
    /// 1 + the log of the chunk's length); the last column is the score. Without the rarity weight, common words
    /// outvoted rare ones (SciFact nDCG@10 0.42 against the embedded index's 0.69). Parameters: words, tenant, limit,
    /// and with <paramref name="byDocument"/> the document ids. The queries are built from the words once, so the GIN
    /// index answers every match.
    /// </summary>
    public static string Keyword(bool byDocument, bool idsOnly) => $"""
        WITH terms AS MATERIALIZED (
            SELECT DISTINCT plainto_tsquery('sluice_text', word) AS query FROM unnest($1::text[]) AS word),
        weighted AS MATERIALIZED (
            SELECT t.query, ln(1 + (n.total - df.df + 0.5) / (df.df + 0.5)) AS idf
            FROM terms t
            CROSS JOIN (SELECT count(*)::float8 AS total FROM search_chunks WHERE tenant = $2) n
            CROSS JOIN LATERAL (SELECT count(*)::float8 AS df FROM search_chunks s WHERE s.tenant = $2 AND s.keywords @@ t.query) df
            WHERE numnode(t.query) > 0),
        q AS MATERIALIZED (SELECT tsquery_or_agg(query) AS query FROM weighted)
        SELECT {(idsOnly ? "chunk_id" : Columns)},
               (SELECT sum(w.idf * ts_rank(c.keywords, w.query, 1)) FROM weighted w WHERE c.keywords @@ w.query)::float8 AS score
        FROM search_chunks c
        WHERE c.keywords @@ (SELECT query FROM q) AND c.tenant = $2{(byDocument ? " AND c.document_id = ANY($4)" : string.Empty)}
        ORDER BY score DESC, chunk_id COLLATE "C"
        LIMIT $3
        """;
}

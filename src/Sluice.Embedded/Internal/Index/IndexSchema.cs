namespace Sluice.Embedded.Internal.Index;

/// <summary>
/// Tables of the embedded search index. <c>search_chunks</c> holds one row per chunk with its vector
/// (float32, little-endian); <c>search_chunks_fts</c> is an external-content FTS5 index over the chunk text,
/// kept in step by triggers (so in the same transaction); <c>search_changes</c> logs one generation per
/// write transaction with the document it changed, which lets other processes reload only that document.
/// </summary>
internal static class IndexSchema
{
    /// <summary>How many generations of the change log are kept; a reader further behind reloads everything.</summary>
    public const long ChangeLogRetention = 10_000;

    public const string Sql = """
        CREATE TABLE IF NOT EXISTS search_chunks (
            row_id INTEGER PRIMARY KEY AUTOINCREMENT,
            chunk_id TEXT NOT NULL UNIQUE,
            tenant TEXT NOT NULL,
            document_id TEXT NOT NULL,
            idx INTEGER NOT NULL,
            text TEXT NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            page INTEGER,
            embedder TEXT NOT NULL,
            vector BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS search_chunks_document ON search_chunks (document_id, idx);
        CREATE VIRTUAL TABLE IF NOT EXISTS search_chunks_fts USING fts5 (
            text, content = 'search_chunks', content_rowid = 'row_id', tokenize = 'porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER IF NOT EXISTS search_chunks_inserted AFTER INSERT ON search_chunks BEGIN
            INSERT INTO search_chunks_fts (rowid, text) VALUES (new.row_id, new.text);
        END;
        CREATE TRIGGER IF NOT EXISTS search_chunks_deleted AFTER DELETE ON search_chunks BEGIN
            INSERT INTO search_chunks_fts (search_chunks_fts, rowid, text) VALUES ('delete', old.row_id, old.text);
        END;
        CREATE TRIGGER IF NOT EXISTS search_chunks_updated AFTER UPDATE OF text ON search_chunks BEGIN
            INSERT INTO search_chunks_fts (search_chunks_fts, rowid, text) VALUES ('delete', old.row_id, old.text);
            INSERT INTO search_chunks_fts (rowid, text) VALUES (new.row_id, new.text);
        END;
        CREATE TABLE IF NOT EXISTS search_changes (
            generation INTEGER PRIMARY KEY,
            document_id TEXT NOT NULL
        );
        """;
}

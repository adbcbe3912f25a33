namespace Sluice.Embedded.Internal.Stores;

internal static class StatusSchema
{
    public const string Sql = """
        CREATE TABLE IF NOT EXISTS documents (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            tenant TEXT NOT NULL,
            file_name TEXT NOT NULL,
            content_type TEXT NOT NULL,
            format TEXT NOT NULL,
            source_json TEXT NOT NULL,
            accepted_at TEXT NOT NULL,
            state TEXT NOT NULL,
            error_stage TEXT,
            error_reason TEXT,
            chunks INTEGER,
            updated_at TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 1,
            deleted_at TEXT
        );
        CREATE INDEX IF NOT EXISTS documents_by_tenant ON documents (tenant, seq);
        CREATE TABLE IF NOT EXISTS stages (
            document_id TEXT NOT NULL,
            stage TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            error TEXT,
            progress REAL,
            PRIMARY KEY (document_id, stage)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS document_blobs (
            document_id TEXT NOT NULL,
            uri TEXT NOT NULL,
            blob_json TEXT NOT NULL,
            PRIMARY KEY (document_id, uri)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS document_blobs_by_uri ON document_blobs (uri);
        CREATE TABLE IF NOT EXISTS applied_events (
            event_id TEXT PRIMARY KEY,
            applied_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """;
}

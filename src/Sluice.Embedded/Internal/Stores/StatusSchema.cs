using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal.Stores;

internal static class StatusSchema
{
    /// <summary>Columns added after a table's first version: a file made by an older build gets them on open.</summary>
    private static readonly (string Table, string Column, string Type)[] AddedColumns =
    [
        ("stages", "next_attempt_at", "TEXT"),
        ("stages", "error_type", "TEXT"),
        ("stages", "parts_json", "TEXT"),
        ("documents", "source_uri", "TEXT"),
        ("documents", "published_at", "TEXT"),
    ];

    /// <summary>
    /// Adds the columns an existing file lacks, in one write transaction, so processes opening the file at
    /// the same time do not both add them.
    /// </summary>
    public static void Upgrade(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var (table, column, type) in AddedColumns)
        {
            using var exists = connection.CreateCommand();
            exists.Transaction = transaction;
            exists.CommandText = "SELECT COUNT(*) FROM pragma_table_info($table) WHERE name = $column";
            exists.Parameters.AddWithValue("$table", table);
            exists.Parameters.AddWithValue("$column", column);
            if (Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                using var alter = connection.CreateCommand();
                alter.Transaction = transaction;
                alter.CommandText = $"ALTER TABLE {table} ADD COLUMN {column} {type}";
                alter.ExecuteNonQuery();
            }
        }

        // The source blob's URI as a column of its own, so that the blob collector finds a live reference by index.
        using (var backfill = connection.CreateCommand())
        {
            backfill.Transaction = transaction;
            backfill.CommandText = """
                UPDATE documents SET source_uri = json_extract(source_json, '$.uri') WHERE source_uri IS NULL;
                CREATE INDEX IF NOT EXISTS documents_by_source ON documents (source_uri) WHERE deleted_at IS NULL;
                DROP INDEX IF EXISTS documents_still_accepted;
                CREATE INDEX IF NOT EXISTS documents_unpublished ON documents (accepted_at)
                    WHERE state = 'Accepted' AND deleted_at IS NULL AND published_at IS NULL;
                """;
            backfill.ExecuteNonQuery();
        }

        transaction.Commit();
    }

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
        -- A tenant's usage (storage quotas) from the index alone: its live documents and their uploads' sizes.
        CREATE INDEX IF NOT EXISTS documents_usage ON documents (tenant, json_extract(source_json, '$.size'), deleted_at) WHERE deleted_at IS NULL;
        CREATE TABLE IF NOT EXISTS stages (
            document_id TEXT NOT NULL,
            stage TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            error TEXT,
            progress REAL,
            next_attempt_at TEXT,
            error_type TEXT,
            PRIMARY KEY (document_id, stage)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS document_blobs (
            document_id TEXT NOT NULL,
            uri TEXT NOT NULL,
            blob_json TEXT NOT NULL,
            PRIMARY KEY (document_id, uri)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS document_blobs_by_uri ON document_blobs (uri);
        CREATE TABLE IF NOT EXISTS blob_gc (
            key TEXT PRIMARY KEY,
            blob_json TEXT,
            owner_document TEXT,
            owner_revision INTEGER,
            queued_at TEXT NOT NULL,
            condemned_at TEXT
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS applied_events (
            event_id TEXT PRIMARY KEY,
            applied_at TEXT NOT NULL
        ) WITHOUT ROWID;
        -- Housekeeping reads only what it needs: accepted documents never published (redrive), tombstones and old
        -- event ids (pruning). The redrive's index is made by Upgrade, once the published_at column exists.
        CREATE INDEX IF NOT EXISTS documents_deleted ON documents (deleted_at) WHERE deleted_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS applied_events_by_time ON applied_events (applied_at);
        -- The change feed (IStatusChangeFeed): one row per recorded change, written in the change's own transaction.
        -- AUTOINCREMENT: a pruned position is never handed out again, so a reader's position stays meaningful.
        CREATE TABLE IF NOT EXISTS status_changes (
            position INTEGER PRIMARY KEY AUTOINCREMENT,
            type TEXT NOT NULL,
            tenant TEXT NOT NULL,
            document_id TEXT NOT NULL,
            revision INTEGER NOT NULL,
            state TEXT NOT NULL,
            stage TEXT,
            stage_state TEXT,
            progress REAL,
            error_stage TEXT,
            error_reason TEXT,
            at TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS status_changes_by_tenant ON status_changes (tenant, position);
        CREATE INDEX IF NOT EXISTS status_changes_by_document ON status_changes (document_id, position);
        CREATE INDEX IF NOT EXISTS status_changes_by_time ON status_changes (recorded_at);
        -- Monitoring reads counts and the unfinished documents from these alone (SqliteStatusStore.Counts).
        CREATE INDEX IF NOT EXISTS documents_by_state ON documents (state) WHERE deleted_at IS NULL;
        CREATE INDEX IF NOT EXISTS documents_in_progress ON documents (seq) WHERE state IN ('Accepted', 'Processing') AND deleted_at IS NULL;
        CREATE INDEX IF NOT EXISTS stages_at_work ON stages (stage, state, document_id) WHERE state IN ('Running', 'Retrying');
        """;
}

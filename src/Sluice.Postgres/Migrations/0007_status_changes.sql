-- The status change feed (PostgresStatusStore as IStatusChangeFeed): one row per recorded change (a registration, a
-- fold that changed something, a deletion), written in the transaction of the change it records.
--
-- A position is the writing transaction's id times 16 plus the row's ordinal in it (a transaction writes at most two):
-- positions follow transaction ids, not commit order. A reader reads only positions below 16 times the oldest
-- transaction still running in its snapshot (pg_snapshot_xmin), so every transaction it reads from has ended and every
-- row it could see later (from a transaction running now or yet to start) has a greater position: a reader that saw
-- position N never finds a smaller one appear after it. A sequence could not promise that: a number taken by one
-- transaction may commit after a greater number taken and committed by another.
CREATE TABLE status_changes (
    position bigint PRIMARY KEY,
    type text NOT NULL,
    tenant text NOT NULL,
    document_id text NOT NULL,
    revision integer NOT NULL,
    state text NOT NULL,
    stage text,
    stage_state text,
    progress double precision,
    error_stage text,
    error_reason text,
    at timestamptz NOT NULL,
    -- When the change was recorded: pruned with applied event ids, at the same horizon.
    recorded_at timestamptz NOT NULL
);

-- A tenant's stream and a document's stream read their own rows by index.
CREATE INDEX status_changes_by_tenant ON status_changes (tenant, position);
CREATE INDEX status_changes_by_document ON status_changes (document_id, position);
CREATE INDEX status_changes_by_time ON status_changes (recorded_at);

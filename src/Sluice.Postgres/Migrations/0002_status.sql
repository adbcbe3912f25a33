-- The status projection (PostgresStatusStore): registered documents, the per-stage state folded from status events,
-- the event ids folded already, the blobs each live document references, and the queue of blobs deletions left behind.
-- A deleted document keeps its row (deleted_at set) until pruning, so late events of its revision are told apart from
-- events of a document never seen.
CREATE TABLE documents (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    tenant text NOT NULL,
    file_name text NOT NULL,
    content_type text NOT NULL,
    format text NOT NULL,
    source jsonb NOT NULL,
    source_uri text,
    accepted_at timestamptz NOT NULL,
    state text NOT NULL,
    error_stage text,
    error_reason text,
    chunks integer,
    updated_at timestamptz NOT NULL,
    revision integer NOT NULL DEFAULT 1,
    deleted_at timestamptz,
    -- The outbox's "sent" mark: set once the revision's documents.submitted event is in the log.
    published_at timestamptz
);

-- Listing newest first per tenant reads live documents only.
CREATE INDEX documents_by_tenant ON documents (tenant, seq DESC) WHERE deleted_at IS NULL;

-- The blob collector's live-reference check, by index.
CREATE INDEX documents_by_source ON documents (source_uri) WHERE deleted_at IS NULL;

-- Housekeeping reads only what it needs: accepted documents never published (redrive) and tombstones (pruning).
CREATE INDEX documents_unpublished ON documents (accepted_at, seq)
    WHERE state = 'Accepted' AND deleted_at IS NULL AND published_at IS NULL;
CREATE INDEX documents_deleted ON documents (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE stages (
    document_id text NOT NULL,
    stage text NOT NULL,
    state text NOT NULL,
    attempts integer NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    error text,
    progress double precision,
    next_attempt_at timestamptz,
    error_type text,
    PRIMARY KEY (document_id, stage)
);

CREATE TABLE document_blobs (
    document_id text NOT NULL,
    uri text NOT NULL,
    blob jsonb NOT NULL,
    PRIMARY KEY (document_id, uri)
);
CREATE INDEX document_blobs_by_uri ON document_blobs (uri);

-- Blob garbage: a single blob (key = its URI, blob set) or every blob of one document revision (key 'owner:<id>:<rev>',
-- owner_* set). condemned_at is set by the collector that claimed it, until it releases the entry.
CREATE TABLE blob_gc (
    key text PRIMARY KEY,
    blob jsonb,
    owner_document text,
    owner_revision integer,
    queued_at timestamptz NOT NULL,
    condemned_at timestamptz,
    CHECK ((blob IS NULL) <> (owner_document IS NULL))
);
CREATE INDEX blob_gc_by_queued ON blob_gc (queued_at);

CREATE TABLE applied_events (
    event_id text PRIMARY KEY,
    applied_at timestamptz NOT NULL
);
CREATE INDEX applied_events_by_time ON applied_events (applied_at);

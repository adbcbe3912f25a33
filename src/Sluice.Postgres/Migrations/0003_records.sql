-- Dead letters (PostgresDeadLetterStore): a projection of the stages' dead-letter topics. Ids are derived hashes, so
-- order is the order of arrival (seq), as in the embedded store; cursors are ids, looked up to their seq.
CREATE TABLE dead_letters (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    stage text NOT NULL,
    document_id text,
    topic text NOT NULL,
    log_partition integer NOT NULL,
    log_offset bigint NOT NULL,
    key text NOT NULL,
    value bytea NOT NULL,
    headers jsonb NOT NULL,
    failed_at timestamptz NOT NULL,
    state text NOT NULL DEFAULT 'parked' CHECK (state IN ('parked', 'replaying', 'replayed')),
    replays integer NOT NULL DEFAULT 0,
    replayed_at timestamptz
);
CREATE INDEX dead_letters_by_stage ON dead_letters (stage, seq);
CREATE INDEX dead_letters_parked ON dead_letters (seq) WHERE state = 'parked';
CREATE INDEX dead_letters_by_state ON dead_letters (state, replayed_at) WHERE state <> 'parked';

-- Summaries (PostgresSummaryStore): one per document; saving again replaces.
CREATE TABLE summaries (
    document_id text PRIMARY KEY,
    text text NOT NULL,
    summarizer text NOT NULL,
    created_at timestamptz NOT NULL
);

-- LLM answers by content hash, model and prompt version (PostgresLlmSummaryCache), and the documents each was filed
-- under, so that deleting a document removes every answer derived from its text.
CREATE TABLE llm_summaries (
    content_sha256 text NOT NULL,
    model text NOT NULL,
    prompt_version text NOT NULL,
    summary text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (content_sha256, model, prompt_version)
);
CREATE TABLE llm_summary_documents (
    document_id text NOT NULL,
    content_sha256 text NOT NULL,
    model text NOT NULL,
    prompt_version text NOT NULL,
    PRIMARY KEY (document_id, content_sha256, model, prompt_version)
);
CREATE INDEX llm_summary_documents_by_key ON llm_summary_documents (content_sha256, model, prompt_version);

-- The attempt journal (PostgresAttemptJournal): one row per start of a record by a process, until the record is
-- finished with. A process is alive while it holds the session advisory lock named by its token.
CREATE TABLE attempt_starts (
    grp text NOT NULL,
    topic text NOT NULL,
    part integer NOT NULL,
    off bigint NOT NULL,
    process_token integer NOT NULL,
    started_at timestamptz NOT NULL,
    alone boolean NOT NULL DEFAULT false
);
CREATE INDEX attempt_starts_record ON attempt_starts (grp, topic, part, off);
CREATE INDEX attempt_starts_age ON attempt_starts (started_at);

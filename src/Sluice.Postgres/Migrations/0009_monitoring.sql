-- Monitoring samples counts by state and lists the unfinished documents every few seconds (PostgresStatusStore.Counts):
-- these partial indexes hold just what it reads, so neither reads a document's row for it.
CREATE INDEX documents_by_state ON documents (state) WHERE deleted_at IS NULL;
CREATE INDEX documents_in_progress ON documents (seq DESC) WHERE state IN ('Accepted', 'Processing') AND deleted_at IS NULL;
CREATE INDEX stages_at_work ON stages (stage, state, document_id) WHERE state IN ('Running', 'Retrying');

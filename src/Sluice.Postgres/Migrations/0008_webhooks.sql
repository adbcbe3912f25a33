-- Webhook subscriptions (PostgresWebhookStore) and the relay's cursor over the status change feed.
CREATE TABLE webhooks (
    id text PRIMARY KEY,
    tenant text NOT NULL,
    url text NOT NULL,
    events text[] NOT NULL,
    secret text NOT NULL,
    created_at timestamptz NOT NULL,
    starts_after bigint NOT NULL
);
CREATE INDEX webhooks_by_tenant ON webhooks (tenant, created_at);

-- One row per relay cursor, created here at 0 so that an advance is one conditional UPDATE (compare-and-set).
CREATE TABLE webhook_cursor (
    name text PRIMARY KEY,
    position bigint NOT NULL
);
INSERT INTO webhook_cursor (name, position) VALUES ('relay', 0);

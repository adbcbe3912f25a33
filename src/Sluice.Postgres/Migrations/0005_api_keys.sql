-- API keys (PostgresApiKeyStore): a key's public id and the SHA-256 of its secret part, never the key itself.
CREATE TABLE api_keys (
    id text PRIMARY KEY,
    tenant text NOT NULL,
    role text NOT NULL,
    name text,
    secret_sha256 bytea NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant, created_at);

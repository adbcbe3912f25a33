-- Chunks (the chunk store) and the search index (pgvector + full-text search).

-- Filtered vector searches rely on iterative index scans, new in pgvector 0.8.0.
DO $$
DECLARE
    installed text := (SELECT extversion FROM pg_extension WHERE extname = 'vector');
BEGIN
    IF string_to_array(installed, '.')::int[] < ARRAY[0, 8, 0] THEN
        RAISE EXCEPTION 'Sluice needs pgvector 0.8.0 or later (iterative index scans); this database has %. Install it and run ALTER EXTENSION vector UPDATE.', installed;
    END IF;
END
$$;

-- The chunk store: a document's chunks in index order, replaced as a whole when the document is chunked again.
CREATE TABLE chunks (
    document_id text NOT NULL,
    idx integer NOT NULL,
    id text NOT NULL,
    text text NOT NULL,
    start_offset integer NOT NULL,
    end_offset integer NOT NULL,
    page integer,
    tokens integer NOT NULL,
    PRIMARY KEY (document_id, idx)
);

-- Keyword search reads words the way the embedded index (SQLite FTS5, porter + unicode61 remove_diacritics) does:
-- accents folded (unaccent), English stems (Snowball), and no stop words left out of the index (the query side drops
-- function words itself, only when the query has other words). unaccent is a trusted extension: a database owner may
-- create it.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
CREATE TEXT SEARCH DICTIONARY sluice_english_stem (TEMPLATE = snowball, Language = english);
CREATE TEXT SEARCH CONFIGURATION sluice_text (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION sluice_text
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part, numword, numhword, hword_numpart
    WITH unaccent, sluice_english_stem;

-- OR of the query's words (the tsquery || operator as an aggregate): a chunk matching any word is found.
CREATE AGGREGATE tsquery_or_agg(tsquery) (SFUNC = tsquery_or, STYPE = tsquery);

-- One row per indexed chunk. The vector column is untyped (any dimension): each embedder dimension gets its own HNSW
-- index over embedding::vector(n), partial on dimensions = n, created when that dimension is first upserted
-- (search_dimensions lists them). The keyword vector is generated from the text; the characters that make PostgreSQL's
-- parser keep host names, e-mail addresses, paths, URLs, signed and decimal numbers, and XML tags as single tokens
-- become spaces first, so "example.com" is the words "example" and "com" as it is for FTS5 and for the query side.
CREATE TABLE search_chunks (
    chunk_id text PRIMARY KEY,
    tenant text NOT NULL,
    document_id text NOT NULL,
    idx integer NOT NULL,
    text text NOT NULL,
    start_offset integer NOT NULL,
    end_offset integer NOT NULL,
    page integer,
    embedder text NOT NULL,
    embedding vector NOT NULL,
    dimensions integer GENERATED ALWAYS AS (vector_dims(embedding)) STORED,
    keywords tsvector GENERATED ALWAYS AS (
        to_tsvector('sluice_text'::regconfig, translate(text, '.@/:-+~\<>&', '           '))) STORED
);

CREATE INDEX search_chunks_document ON search_chunks (document_id, idx);
CREATE INDEX search_chunks_tenant ON search_chunks (tenant);
CREATE INDEX search_chunks_keywords ON search_chunks USING gin (keywords);

-- The vector dimensions the index has held, each with its HNSW index (created concurrently, so that a new embedder
-- does not block writes of the others while its index is built).
CREATE TABLE search_dimensions (
    dimensions integer PRIMARY KEY,
    first_indexed_at timestamptz NOT NULL DEFAULT now()
);

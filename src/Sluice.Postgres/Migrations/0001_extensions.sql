-- pgvector: the vector type and its HNSW index. In public, so that it is shared with whatever else uses the database
-- (an extension lives in one schema per database); Sluice's search path includes public.
CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;

-- What `mcpops embeddings sync` keeps next to the vectors (idempotent; run at every sync).
-- The retail tables keep the reference's shapes: the stamp and the per-product text hashes
-- live in the mcpops schema.
CREATE SCHEMA IF NOT EXISTS mcpops;

CREATE TABLE IF NOT EXISTS mcpops.meta (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz DEFAULT now()
);

-- One row per embedded product: the SHA-256 of the text that was embedded and the model key
-- (provider/model/dimensions) that embedded it. A changed text or another model means "again".
CREATE TABLE IF NOT EXISTS mcpops.embedding_state (
  product_id integer PRIMARY KEY REFERENCES retail.products (product_id) ON DELETE CASCADE,
  text_sha256 text NOT NULL,
  model text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The stamp of the stored vectors, readable by every role: serve's reader role checks it on
-- every semantic search without being given the rest of mcpops.meta.
CREATE OR REPLACE VIEW mcpops.embedding_model AS
  SELECT value ->> 'provider' AS provider,
         value ->> 'model' AS model,
         (value ->> 'dimensions')::integer AS dimensions,
         updated_at
  FROM mcpops.meta
  WHERE key = 'embeddings';

GRANT USAGE ON SCHEMA mcpops TO PUBLIC;
GRANT SELECT ON mcpops.embedding_model TO PUBLIC;

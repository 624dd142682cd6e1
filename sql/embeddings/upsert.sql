-- Stores one batch: vectors and their text hashes together, in one statement.
-- $1 product ids, $2 vectors as pgvector text, $3 text SHA-256s, $4 model key.
WITH input AS (
  SELECT u.product_id, u.embedding, u.sha
  FROM unnest($1::integer[], $2::text[], $3::text[]) AS u (product_id, embedding, sha)
  JOIN retail.products p ON p.product_id = u.product_id
), vectors AS (
  INSERT INTO retail.product_description_embeddings AS e (product_id, description_embedding, created_at)
  SELECT product_id, embedding::vector, now() FROM input
  ON CONFLICT (product_id) DO UPDATE
    SET description_embedding = excluded.description_embedding, created_at = excluded.created_at
  RETURNING e.product_id
)
INSERT INTO mcpops.embedding_state AS s (product_id, text_sha256, model, updated_at)
SELECT i.product_id, i.sha, $4, now() FROM input i JOIN vectors v ON v.product_id = i.product_id
ON CONFLICT (product_id) DO UPDATE
  SET text_sha256 = excluded.text_sha256, model = excluded.model, updated_at = excluded.updated_at

-- Before vectors of model $1 are stored: drop every vector not known to be of that model,
-- so a search never compares vectors of two models (run in the transaction of the first batch).
DELETE FROM retail.product_description_embeddings e
WHERE NOT EXISTS (
  SELECT 1 FROM mcpops.embedding_state s WHERE s.product_id = e.product_id AND s.model = $1
)

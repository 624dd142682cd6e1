-- Only run once CREATE EXTENSION vector succeeded.
CREATE TABLE IF NOT EXISTS retail.product_description_embeddings (
  product_id integer PRIMARY KEY REFERENCES retail.products (product_id),
  description_embedding vector(1536),
  created_at timestamp DEFAULT now()
);

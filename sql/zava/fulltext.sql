-- Full-text index for semantic_search_products' hybrid ranking: the product name (weight A)
-- and description (weight B), English stemming. An expression index, so retail.products keeps
-- the reference's columns; the search (sql/embeddings/search.sql) uses the same expression.
CREATE INDEX IF NOT EXISTS products_fulltext_idx ON retail.products USING gin (
  (setweight(to_tsvector('english', coalesce(product_name, '')), 'A')
   || setweight(to_tsvector('english', coalesce(product_description, '')), 'B'))
)

-- pgvector set for semantic_search_products (cosine distance, <=>). Only the definition of the
-- configured method is used (MCPOPS_VECTOR_INDEX_METHOD / --vector-method, default hnsw).

-- HNSW with pgvector's defaults: better recall/speed trade-off, buildable on an empty table.
CREATE INDEX product_description_embeddings_hnsw_idx ON retail.product_description_embeddings
  USING hnsw (description_embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);

-- IVFFlat: build after the data is loaded. {lists} is replaced by max(10, rows / 1000) up to
-- 1M rows and sqrt(rows) above (pgvector's guidance), from the table's row count.
CREATE INDEX product_description_embeddings_ivfflat_idx ON retail.product_description_embeddings
  USING ivfflat (description_embedding vector_cosine_ops) WITH (lists = {lists});

-- pgvector presence, and products without a description embedding (null when the tables are absent).
SELECT (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector_version,
       to_regclass('retail.products') IS NOT NULL
         AND to_regclass('retail.product_description_embeddings') IS NOT NULL AS has_tables

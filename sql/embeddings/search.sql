-- Hybrid product search: the nearest products by vector (cosine distance to $1, a bound
-- parameter) and the best full-text matches of the query's words ($4, websearch_to_tsquery over
-- the product name and description), fused by reciprocal rank: score = $6 / ($8 + vector rank)
-- + $7 / ($8 + text rank). Each ranking takes its best $5 candidates (the inner ORDER BY ...
-- LIMIT is what the HNSW index answers; the text match uses products_fulltext_idx); every row
-- returned is within the similarity threshold ($3, a cosine distance), best fused score first,
-- at most $2 rows. $7 = 0 is the plain vector search.
WITH nearest AS (
  SELECT e.product_id, e.description_embedding <=> $1::vector AS distance
  FROM retail.product_description_embeddings e
  ORDER BY e.description_embedding <=> $1::vector
  LIMIT $5
), vector_ranked AS (
  SELECT product_id, row_number() OVER (ORDER BY distance, product_id) AS rank
  FROM nearest
  WHERE distance <= $3
), matched AS (
  SELECT p.product_id,
         ts_rank_cd(setweight(to_tsvector('english', coalesce(p.product_name, '')), 'A')
                    || setweight(to_tsvector('english', coalesce(p.product_description, '')), 'B'),
                    q.query) AS relevance
  FROM retail.products p
  CROSS JOIN websearch_to_tsquery('english', $4::text) AS q (query)
  WHERE $7::float8 > 0
    AND (setweight(to_tsvector('english', coalesce(p.product_name, '')), 'A')
         || setweight(to_tsvector('english', coalesce(p.product_description, '')), 'B')) @@ q.query
  ORDER BY relevance DESC, p.product_id
  LIMIT $5
), text_ranked AS (
  SELECT product_id, row_number() OVER (ORDER BY relevance DESC, product_id) AS rank FROM matched
), fused AS (
  SELECT coalesce(v.product_id, t.product_id) AS product_id,
         coalesce($6::float8 / ($8::float8 + v.rank), 0) + coalesce($7::float8 / ($8::float8 + t.rank), 0) AS score
  FROM vector_ranked v
  FULL JOIN text_ranked t ON t.product_id = v.product_id
)
SELECT p.product_id, p.sku, p.product_name, p.category_id, p.type_id, p.cost, p.base_price,
       p.gross_margin_percent, p.product_description,
       d.distance AS similarity_distance,
       round(((1 - d.distance) * 100)::numeric, 1)::float8 AS sp
FROM fused f
JOIN retail.products p ON p.product_id = f.product_id
JOIN retail.product_description_embeddings e ON e.product_id = f.product_id
CROSS JOIN LATERAL (SELECT e.description_embedding <=> $1::vector AS distance) d
WHERE d.distance <= $3
ORDER BY f.score DESC, d.distance, p.product_id
LIMIT $2

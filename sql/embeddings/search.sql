-- Nearest products to the query vector $1 (bound, never spliced): the inner ORDER BY ... LIMIT
-- is what the HNSW index answers; the threshold ($3, a cosine distance) is applied to those.
SELECT p.product_id, p.sku, p.product_name, p.category_id, p.type_id, p.cost, p.base_price,
       p.gross_margin_percent, p.product_description,
       n.distance AS similarity_distance,
       round(((1 - n.distance) * 100)::numeric, 1) AS sp
FROM (
  SELECT e.product_id, e.description_embedding <=> $1::vector AS distance
  FROM retail.product_description_embeddings e
  ORDER BY e.description_embedding <=> $1::vector
  LIMIT $2
) n
JOIN retail.products p ON p.product_id = n.product_id
WHERE n.distance <= $3
ORDER BY n.distance, p.product_id

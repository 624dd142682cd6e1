-- How much work a sync has: products, those already embedded by model $1, and the pending
-- ones with the characters of their texts (for the token estimate).
WITH source AS (
  SELECT p.product_id,
         coalesce(p.product_name, '') || E'\n' || coalesce(p.product_description, '') AS body
  FROM retail.products p
), pending AS (
  SELECT s.body
  FROM source s
  LEFT JOIN retail.product_description_embeddings e ON e.product_id = s.product_id
  LEFT JOIN mcpops.embedding_state st ON st.product_id = s.product_id
  WHERE e.description_embedding IS NULL
     OR st.product_id IS NULL
     OR st.model <> $1
     OR st.text_sha256 <> encode(sha256(convert_to(s.body, 'UTF8')), 'hex')
)
SELECT (SELECT count(*) FROM source)::integer AS products,
       (SELECT count(*) FROM retail.product_description_embeddings)::integer AS stored,
       (SELECT count(*) FROM pending)::integer AS pending,
       (SELECT coalesce(sum(length(body)), 0) FROM pending)::bigint AS pending_chars

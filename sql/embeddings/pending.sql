-- The next page of products whose vector is missing, was made by another model, or whose
-- text changed since it was embedded. $1 = last product_id seen, $2 = model key, $3 = page size.
-- The embedded text is the product name and its description (see docs/embeddings.md).
-- The cursor is repeated on the joined tables so their index scans start at it too (the planner
-- does not carry it across an outer join): each page costs its own rows, not all earlier ones.
SELECT p.product_id, t.body, encode(sha256(convert_to(t.body, 'UTF8')), 'hex') AS sha
FROM retail.products p
CROSS JOIN LATERAL (
  SELECT coalesce(p.product_name, '') || E'\n' || coalesce(p.product_description, '') AS body
) t
LEFT JOIN retail.product_description_embeddings e ON e.product_id = p.product_id AND e.product_id > $1
LEFT JOIN mcpops.embedding_state s ON s.product_id = p.product_id AND s.product_id > $1
WHERE p.product_id > $1
  AND (e.description_embedding IS NULL
       OR s.product_id IS NULL
       OR s.model <> $2
       OR s.text_sha256 <> encode(sha256(convert_to(t.body, 'UTF8')), 'hex'))
ORDER BY p.product_id
LIMIT $3

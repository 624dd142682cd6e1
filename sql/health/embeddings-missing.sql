-- Products that have no description embedding yet.
SELECT (SELECT count(*) FROM retail.products)::int8 AS products,
       (SELECT count(*) FROM retail.products p
         WHERE NOT EXISTS (SELECT 1 FROM retail.product_description_embeddings e
                            WHERE e.product_id = p.product_id AND e.description_embedding IS NOT NULL))::int8 AS missing

-- Row-level security, fail-closed. The identity is the transaction-local GUC
-- app.current_rls_user_id; anything that is not a well-formed uuid reads as "nobody".
-- BEGIN ATOMIC bodies are parsed now, so a caller's search_path cannot redirect them.
CREATE OR REPLACE FUNCTION retail.rls_identity() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT CASE
    WHEN pg_catalog.current_setting('app.current_rls_user_id', true)
      OPERATOR(pg_catalog.~) '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
    THEN pg_catalog.current_setting('app.current_rls_user_id', true)::uuid
  END;
END;

CREATE OR REPLACE FUNCTION retail.rls_is_head_office() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT COALESCE(
    retail.rls_identity() OPERATOR(pg_catalog.=) '00000000-0000-0000-0000-000000000000'::uuid, false);
END;

-- The stores the caller may see: all for head office, the matching store, or none. Policies call
-- it as (SELECT retail.rls_store_ids()), an InitPlan run once per query, so the row filter is a
-- plain store_id = ANY($1) that the store_id indexes can answer.
CREATE OR REPLACE FUNCTION retail.rls_store_ids() RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT COALESCE(pg_catalog.array_agg(s.store_id), '{}'::integer[])
  FROM retail.stores s
  WHERE retail.rls_is_head_office() OR s.rls_user_id OPERATOR(pg_catalog.=) retail.rls_identity();
END;

DO $$
DECLARE
  t text;
BEGIN
  FOR t IN
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'retail' AND c.relkind IN ('r', 'p')
      AND (NOT c.relrowsecurity OR NOT c.relforcerowsecurity)
  LOOP
    EXECUTE format('ALTER TABLE retail.%I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;

DO $$
DECLARE
  p record;
BEGIN
  FOR p IN
    SELECT * FROM (VALUES
      ('stores', 'zava_read_all', 'true'),
      ('categories', 'zava_read_all', 'true'),
      ('product_types', 'zava_read_all', 'true'),
      ('products', 'zava_read_all', 'true'),
      ('product_description_embeddings', 'zava_read_all', 'true'),
      ('orders', 'zava_store_read', 'store_id = ANY ((SELECT retail.rls_store_ids())::integer[])'),
      ('order_items', 'zava_store_read', 'store_id = ANY ((SELECT retail.rls_store_ids())::integer[])'),
      ('inventory', 'zava_store_read', 'store_id = ANY ((SELECT retail.rls_store_ids())::integer[])'),
      ('customers', 'zava_store_read',
        '(SELECT retail.rls_is_head_office())'
        ' OR primary_store_id = ANY ((SELECT retail.rls_store_ids())::integer[])'
        ' OR EXISTS (SELECT 1 FROM retail.orders o WHERE o.customer_id = customers.customer_id'
        ' AND o.store_id = ANY ((SELECT retail.rls_store_ids())::integer[]))')
    ) AS v (tbl, name, expr)
  LOOP
    IF to_regclass('retail.' || quote_ident(p.tbl)) IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM pg_policies WHERE schemaname = 'retail' AND tablename = p.tbl AND policyname = p.name
    ) THEN
      EXECUTE format('CREATE POLICY %I ON retail.%I AS PERMISSIVE FOR SELECT TO PUBLIC USING (%s)',
        p.name, p.tbl, p.expr);
    END IF;
  END LOOP;
END $$;

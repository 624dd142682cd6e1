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

-- The stores the caller may see: all for head office, the matching store, or none.
CREATE OR REPLACE FUNCTION retail.rls_store_ids() RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT COALESCE(pg_catalog.array_agg(s.store_id), '{}'::integer[])
  FROM retail.stores s
  WHERE retail.rls_is_head_office() OR s.rls_user_id OPERATOR(pg_catalog.=) retail.rls_identity();
END;

-- The same as a range of store ids, for the store-scoped policies: [id, id] for a store, every id
-- for head office, NULL (no rows) for no identity or one that matches more than one store. The
-- policies call them as (SELECT ...), InitPlans run once per query, so the row filter is
-- store_id >= $1 AND store_id <= $2: an index condition for a store, and two integer comparisons
-- per row for head office (a search of the eight-store array per row cost it twice as much).
CREATE OR REPLACE FUNCTION retail.rls_store_low() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT CASE
    WHEN retail.rls_is_head_office() THEN -2147483648
    WHEN pg_catalog.cardinality(caller.ids) OPERATOR(pg_catalog.=) 1 THEN caller.ids[1]
  END
  FROM (SELECT retail.rls_store_ids() AS ids) AS caller;
END;

CREATE OR REPLACE FUNCTION retail.rls_store_high() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT CASE
    WHEN retail.rls_is_head_office() THEN 2147483647
    WHEN pg_catalog.cardinality(caller.ids) OPERATOR(pg_catalog.=) 1 THEN caller.ids[1]
  END
  FROM (SELECT retail.rls_store_ids() AS ids) AS caller;
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
      ('orders', 'zava_store_read',
        'store_id >= (SELECT retail.rls_store_low()) AND store_id <= (SELECT retail.rls_store_high())'),
      ('order_items', 'zava_store_read',
        'store_id >= (SELECT retail.rls_store_low()) AND store_id <= (SELECT retail.rls_store_high())'),
      ('inventory', 'zava_store_read',
        'store_id >= (SELECT retail.rls_store_low()) AND store_id <= (SELECT retail.rls_store_high())'),
      ('customers', 'zava_store_read',
        '(SELECT retail.rls_is_head_office())'
        ' OR primary_store_id = ANY ((SELECT retail.rls_store_ids())::integer[])'
        ' OR EXISTS (SELECT 1 FROM retail.orders o WHERE o.customer_id = customers.customer_id'
        ' AND o.store_id = ANY ((SELECT retail.rls_store_ids())::integer[]))')
    ) AS v (tbl, name, expr)
  LOOP
    IF to_regclass('retail.' || quote_ident(p.tbl)) IS NULL THEN
      CONTINUE;
    END IF;
    IF NOT EXISTS (
      SELECT 1 FROM pg_policies WHERE schemaname = 'retail' AND tablename = p.tbl AND policyname = p.name
    ) THEN
      EXECUTE format('CREATE POLICY %I ON retail.%I AS PERMISSIVE FOR SELECT TO PUBLIC USING (%s)',
        p.name, p.tbl, p.expr);
    ELSE
      -- An existing policy is brought to the current expression.
      EXECUTE format('ALTER POLICY %I ON retail.%I USING (%s)', p.name, p.tbl, p.expr);
    END IF;
  END LOOP;
END $$;

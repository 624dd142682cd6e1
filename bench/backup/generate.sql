-- Bench data for bench/backup (≥ 1 GB of heap). Bounded: fixed row counts, run once, reused.
CREATE TABLE IF NOT EXISTS bench_customers (
  id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL, created_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS bench_orders (
  id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount numeric(12,2) NOT NULL,
  status text NOT NULL, note text, created_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS bench_events (
  id bigint PRIMARY KEY, kind text NOT NULL, payload text NOT NULL
);
CREATE TABLE IF NOT EXISTS bench_small (id int PRIMARY KEY, label text NOT NULL);
INSERT INTO bench_customers
  SELECT g, 'customer ' || g, 'c' || g || '@example.com', '2024-01-01'::timestamptz + g * interval '1 second'
  FROM generate_series(1, 1500000) g;
INSERT INTO bench_orders
  SELECT g, (g % 1500000) + 1, (g % 10000) / 100.0, (ARRAY['new','paid','shipped','returned'])[g % 4 + 1],
         md5(g::text) || md5((g * 7)::text), '2024-01-01'::timestamptz + g * interval '1 second'
  FROM generate_series(1, 6000000) g;
INSERT INTO bench_events
  SELECT g, 'event_' || (g % 50), repeat(md5(g::text), 3) FROM generate_series(1, 3000000) g;
INSERT INTO bench_small SELECT g, 'label ' || g FROM generate_series(1, 1000) g;
ANALYZE;

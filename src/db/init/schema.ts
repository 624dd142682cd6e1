import type pg from 'pg';
import { OperationError } from '../../errors.js';
import { loadSql } from '../sql-files.js';

export const SCHEMA_VERSION = 1;

/** The columns of the compatibility contract (reference/zava-retail.md), checked after DDL. */
export const EXPECTED_COLUMNS: Record<string, string[]> = {
  stores: ['store_id', 'store_name', 'rls_user_id', 'is_online'],
  customers: ['customer_id', 'first_name', 'last_name', 'email', 'phone', 'primary_store_id', 'created_at'],
  categories: ['category_id', 'category_name'],
  product_types: ['type_id', 'category_id', 'type_name'],
  products: [
    'product_id',
    'sku',
    'product_name',
    'category_id',
    'type_id',
    'cost',
    'base_price',
    'gross_margin_percent',
    'product_description',
  ],
  inventory: ['store_id', 'product_id', 'stock_level'],
  orders: ['order_id', 'customer_id', 'store_id', 'order_date'],
  order_items: [
    'order_item_id',
    'order_id',
    'store_id',
    'product_id',
    'quantity',
    'unit_price',
    'discount_percent',
    'discount_amount',
    'total_amount',
  ],
};

export interface SchemaResult {
  vectorAvailable: boolean;
  notes: string[];
}

export type Snapshot = Map<string, string>;

export async function takeSnapshot(client: pg.ClientBase): Promise<Snapshot> {
  const { rows } = await client.query<{ key: string; value: string }>(loadSql('zava/snapshot'));
  const snapshot: Snapshot = new Map(rows.map((r) => [r.key, r.value]));
  const meta = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('mcpops.meta') IS NOT NULL AS exists",
  );
  if (meta.rows[0].exists) {
    const { rows: metaRows } = await client.query<{ key: string; value: string }>(
      'SELECT key, value::text AS value FROM mcpops.meta',
    );
    for (const row of metaRows) snapshot.set(`meta ${row.key}`, row.value);
  }
  return snapshot;
}

// Indexes, sequences, columns and constraints are counted, not listed one by one.
const COUNTED = new Set(['index', 'sequence', 'column', 'constraint']);

/** Human-readable actions from the difference of two snapshots. */
export function describeChanges(before: Snapshot, after: Snapshot): string[] {
  const actions: string[] = [];
  const created = new Map<string, number>();
  const changed = new Map<string, number>();
  for (const [key, value] of after) {
    const kind = key.slice(0, key.indexOf(' '));
    const old = before.get(key);
    if (old === value) continue;
    if (COUNTED.has(kind)) {
      const bucket = old === undefined ? created : changed;
      bucket.set(kind, (bucket.get(kind) ?? 0) + 1);
    } else if (old === undefined) {
      actions.push(`created ${key}`);
    } else {
      actions.push(
        kind === 'table' || kind === 'schema' ? `updated ${key} (privileges or RLS)` : `updated ${key}`,
      );
    }
  }
  for (const [kind, n] of created) actions.push(`created ${n} ${kind}${kind === 'index' ? 'es' : 's'}`);
  for (const [kind, n] of changed) actions.push(`updated ${n} ${kind}${kind === 'index' ? 'es' : 's'}`);
  return actions;
}

/** Throws unless the retail schema is absent, empty, or one mcpops created (or --force). */
export async function assertSchemaOwnership(
  client: pg.ClientBase,
  force: boolean,
): Promise<'new' | 'ours' | 'adopt'> {
  const { rows } = await client.query<{ relations: number; has_meta: boolean }>(
    `SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'retail')::int AS relations,
            to_regclass('mcpops.meta') IS NOT NULL AS has_meta`,
  );
  const { relations, has_meta: hasMeta } = rows[0];
  if (relations === 0) return 'new';
  if (hasMeta) {
    const marker = await client.query("SELECT 1 FROM mcpops.meta WHERE key = 'retail_schema'");
    if (marker.rowCount) return 'ours';
  }
  if (force) return 'adopt';
  throw new OperationError(
    `the retail schema already holds ${relations} tables, indexes or sequences that mcpops did not create`,
    {
      code: 'retail_schema_foreign',
      suggestion:
        'Point at another database, or rerun with --force to take it over (mcpops only adds what is missing; it drops nothing).',
    },
  );
}

async function tryCreateVector(client: pg.ClientBase): Promise<{ ok: boolean; note?: string }> {
  await client.query('SAVEPOINT mcpops_vector');
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
    await client.query('RELEASE SAVEPOINT mcpops_vector');
    return { ok: true };
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT mcpops_vector');
    const code = (error as { code?: string }).code;
    const why =
      code === '42501'
        ? 'this login may not create it (needs a superuser, or pgvector as a trusted extension)'
        : 'pgvector is not installed on this server';
    return {
      ok: false,
      note: `vector extension unavailable (${why}): retail.product_description_embeddings was not created and semantic search is off; everything else works`,
    };
  }
}

async function assertColumns(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'retail'",
  );
  const present = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
  const tables = new Set(rows.map((r) => r.table_name));
  for (const [table, columns] of Object.entries(EXPECTED_COLUMNS)) {
    if (!tables.has(table)) continue;
    const missing = columns.filter((c) => !present.has(`${table}.${c}`));
    if (missing.length) {
      throw new OperationError(`retail.${table} lacks column(s) ${missing.join(', ')}`, {
        code: 'retail_schema_mismatch',
        suggestion: 'This retail schema does not match the Zava layout; use an empty database for mcpops.',
      });
    }
  }
}

/**
 * Schema, vector extension, RLS, privileges and the mcpops marker, in the caller's open
 * transaction. Role names must already be validated.
 */
export async function applySchema(
  client: pg.ClientBase,
  roles: { reader: string; login: string },
  mode: 'new' | 'ours' | 'adopt',
): Promise<SchemaResult> {
  const notes: string[] = [];
  // Before the DDL too: an adopted table with other columns would otherwise fail on an index.
  if (mode === 'adopt') await assertColumns(client);
  await client.query(loadSql('zava/schema'));
  await client.query(loadSql('zava/fulltext'));
  const vector = await tryCreateVector(client);
  if (vector.ok) await client.query(loadSql('zava/vector'));
  else if (vector.note) notes.push(vector.note);
  await assertColumns(client);
  await client.query(loadSql('zava/rls'));
  await client.query(
    loadSql('zava/grants')
      .replaceAll('{{reader}}', `"${roles.reader}"`)
      .replaceAll('{{login}}', `"${roles.login}"`),
  );
  await client.query(
    `INSERT INTO mcpops.meta (key, value) VALUES ('retail_schema', $1::jsonb) ON CONFLICT (key) DO NOTHING`,
    [JSON.stringify({ createdBy: 'mcpops', schemaVersion: SCHEMA_VERSION, adopted: mode === 'adopt' })],
  );
  if (mode === 'adopt') notes.push('took over an existing retail schema (--force); nothing was dropped');
  return { vectorAvailable: vector.ok, notes };
}

import type pg from 'pg';
import { InterruptedError } from '../../errors.js';
import { classifyDbError } from '../errors.js';
import { generateSampleData, type SampleScale, sampleRowCount } from '../sample-data/generate.js';
import { HEAD_OFFICE_ID } from '../stores.js';
import { type Loader, loadSample } from './load.js';
import { assertRoleName, ensureRoles } from './roles.js';
import { applySchema, assertSchemaOwnership, describeChanges, takeSnapshot } from './schema.js';

export type { SampleScale } from '../sample-data/generate.js';

export interface InitProgress {
  phase: string;
  done: number;
  total: number;
}

export interface InitOptions {
  sampleData?: boolean;
  scale?: SampleScale;
  force?: boolean;
  readerRole: string;
  loginRole: string;
  loginPassword?: string;
  onProgress?: (p: InitProgress) => void;
  signal?: AbortSignal;
  afterSampleData?: (pool: pg.Pool) => Promise<void>;
  /** Seed of the sample generator (default: the fixed project seed). */
  seed?: number;
  /** Force a loader; default COPY on PostgreSQL servers, INSERT … unnest on PGlite. */
  loader?: Loader;
}

export interface InitReport {
  changed: boolean;
  actions: string[];
  vectorAvailable: boolean;
  sampleLoaded: boolean;
  rowCounts: Record<string, number>;
  /** Things people should know that are not changes (vector missing, sample already there). */
  notes: string[];
}

const SAMPLE_TABLES = [
  'stores',
  'categories',
  'product_types',
  'products',
  'inventory',
  'customers',
  'orders',
  'order_items',
];

/** Row counts of every retail table, as head office (so a non-superuser owner sees all rows too). */
export async function countRows(client: pg.ClientBase): Promise<Record<string, number>> {
  const { rows: tables } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'retail' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  if (tables.length === 0) return {};
  const counts = tables
    .map(
      (t) =>
        `SELECT ${client.escapeLiteral(t.name)} AS name, count(*)::int AS n FROM retail.${client.escapeIdentifier(t.name)}`,
    )
    .join(' UNION ALL ');
  await client.query('BEGIN READ ONLY');
  try {
    await client.query("SELECT set_config('app.current_rls_user_id', $1, true)", [HEAD_OFFICE_ID]);
    const { rows } = await client.query<{ name: string; n: number }>(counts);
    return Object.fromEntries(rows.map((r) => [r.name, r.n]));
  } finally {
    await client.query('ROLLBACK');
  }
}

async function serverInfo(client: pg.ClientBase): Promise<{ pglite: boolean; superuser: boolean }> {
  const { rows } = await client.query<{ version: string; superuser: boolean }>(
    'SELECT version() AS version, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser',
  );
  // PGlite's socket server cannot carry COPY FROM STDIN (the connection loses protocol sync).
  return { pglite: /PGlite/i.test(rows[0].version), superuser: rows[0].superuser };
}

async function inTransaction<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Creates (or completes) the Zava database: roles, retail schema, RLS, privileges and, with
 * sampleData, the seeded sample in empty tables. Running it again changes nothing.
 */
export async function initDatabase(pool: pg.Pool, options: InitOptions): Promise<InitReport> {
  assertRoleName(options.readerRole, 'serveRole');
  assertRoleName(options.loginRole, 'serveLoginRole');
  const progress = (phase: string, done: number, total: number): void =>
    options.onProgress?.({ phase, done, total });
  const abortCheck = (): void => {
    if (options.signal?.aborted) throw new InterruptedError('db init interrupted');
  };
  const client = await connect(pool);
  let failed: Error | undefined;
  let report: InitReport;
  try {
    const info = await serverInfo(client);
    const notes: string[] = [];
    progress('checking schema', 0, 3);
    const mode = await assertSchemaOwnership(client, Boolean(options.force));
    abortCheck();
    progress('roles', 1, 3);
    const actions = await ensureRoles(client, {
      readerRole: options.readerRole,
      loginRole: options.loginRole,
      loginPassword: options.loginPassword,
    });
    abortCheck();
    progress('schema and policies', 2, 3);
    const { vectorAvailable } = await inTransaction(client, async () => {
      // Two db init runs on the same database wait for each other here.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('mcpops.db-init'))");
      const before = await takeSnapshot(client);
      const result = await applySchema(
        client,
        { reader: options.readerRole, login: options.loginRole },
        mode,
      );
      actions.push(...describeChanges(before, await takeSnapshot(client)));
      notes.push(...result.notes);
      return result;
    });
    progress('schema and policies', 3, 3);

    let sampleLoaded = false;
    const rowCounts = await countRows(client);
    if (options.sampleData) {
      const present = SAMPLE_TABLES.filter((t) => (rowCounts[t] ?? 0) > 0);
      if (present.length === SAMPLE_TABLES.length) {
        notes.push('sample data already present; nothing loaded');
      } else if (present.length > 0) {
        notes.push(
          `sample data not loaded: ${present.join(', ')} already hold rows (sample data goes only into empty tables)`,
        );
      } else {
        abortCheck();
        const scale = options.scale ?? 'small';
        progress('generating sample data', 0, 1);
        const data = generateSampleData(scale, options.seed);
        const total = sampleRowCount(data);
        let done = 0;
        progress('loading sample data', 0, total);
        await inTransaction(client, async () => {
          // A non-superuser owner is itself subject to FORCE'd RLS (no write policies exist);
          // lift FORCE for this transaction only, so a failure leaves it in place.
          if (!info.superuser) await setForce(client, false);
          await loadSample(client, data, {
            loader: options.loader ?? (info.pglite ? 'insert' : 'copy'),
            signal: options.signal,
            onRows: (n) => {
              done += n;
              progress('loading sample data', done, total);
            },
          });
          if (!info.superuser) await setForce(client, true);
        });
        await client.query(`ANALYZE ${SAMPLE_TABLES.map((t) => `retail.${t}`).join(', ')}`);
        sampleLoaded = true;
        actions.push(`loaded the ${scale} sample (${total} rows, seed ${data.seed})`);
        Object.assign(rowCounts, await countRows(client));
      }
    }
    report = { changed: actions.length > 0, actions, vectorAvailable, sampleLoaded, rowCounts, notes };
  } catch (error) {
    failed = error as Error;
    throw classifyDbError(error);
  } finally {
    // A connection that failed mid-way may be in any state: destroy it rather than reuse it.
    client.release(failed);
  }
  // Our connection is back in the pool first: the hook may need it (a pool of one).
  if (report.sampleLoaded && options.afterSampleData) {
    progress('after sample data', 0, 1);
    try {
      await options.afterSampleData(pool);
      const again = await connect(pool);
      try {
        report.rowCounts = await countRows(again);
      } finally {
        again.release();
      }
    } catch (error) {
      throw classifyDbError(error);
    }
    progress('after sample data', 1, 1);
  }
  return report;
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw classifyDbError(error);
  }
}

async function setForce(client: pg.ClientBase, on: boolean): Promise<void> {
  const clause = on ? 'FORCE' : 'NO FORCE';
  for (const table of SAMPLE_TABLES)
    await client.query(`ALTER TABLE retail.${table} ${clause} ROW LEVEL SECURITY`);
}

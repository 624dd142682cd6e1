import { once } from 'node:events';
import type pg from 'pg';
import { InterruptedError } from '../../errors.js';
import { encodeCopyRows } from '../sample-data/copy-text.js';
import type { Cell, SampleData, TableData } from '../sample-data/generate.js';
import { loadSql } from '../sql-files.js';

export type Loader = 'copy' | 'insert';

export interface LoadOptions {
  loader: Loader;
  onRows?: (rows: number, table: string) => void;
  signal?: AbortSignal;
}

const COPY_CHUNK = 5_000;
const INSERT_BATCH = 5_000;

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new InterruptedError('db init interrupted; the sample data was rolled back');
}

const columnList = (client: pg.ClientBase, t: TableData): string =>
  t.columns.map((c) => client.escapeIdentifier(c)).join(', ');

async function copyTable(client: pg.ClientBase, t: TableData, options: LoadOptions): Promise<void> {
  const { from } = await import('pg-copy-streams');
  const stream = client.query(
    from(`COPY retail.${client.escapeIdentifier(t.table)} (${columnList(client, t)}) FROM STDIN`),
  );
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  try {
    for (let i = 0; i < t.rows.length; i += COPY_CHUNK) {
      checkAbort(options.signal);
      const end = Math.min(i + COPY_CHUNK, t.rows.length);
      if (!stream.write(encodeCopyRows(t.rows, i, end))) await once(stream, 'drain');
      options.onRows?.(end - i, t.table);
    }
  } catch (error) {
    // Aborting the COPY makes the server fail it; the transaction is then rolled back.
    stream.destroy(error as Error);
    await finished.catch(() => {});
    throw error;
  }
  stream.end();
  await finished;
}

/** Column-wise arrays, one parameter per column: one statement per batch whatever its width. */
async function insertTable(client: pg.ClientBase, t: TableData, options: LoadOptions): Promise<void> {
  const casts = t.types.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
  const text = `INSERT INTO retail.${client.escapeIdentifier(t.table)} (${columnList(client, t)}) SELECT * FROM unnest(${casts})`;
  for (let i = 0; i < t.rows.length; i += INSERT_BATCH) {
    checkAbort(options.signal);
    const end = Math.min(i + INSERT_BATCH, t.rows.length);
    const columns: Cell[][] = t.columns.map(() => []);
    for (let r = i; r < end; r++) {
      const row = t.rows[r];
      for (let c = 0; c < row.length; c++) columns[c].push(row[c]);
    }
    await client.query(text, columns);
    options.onRows?.(end - i, t.table);
  }
}

interface DeferrableObject {
  kind: 'constraint' | 'index';
  tbl: string;
  name: string;
  def: string;
}

/**
 * Loads every table of the sample, parents first, then moves the serial sequences past the ids.
 * Must run inside the caller's transaction: foreign keys and secondary indexes are dropped for
 * the load and recreated (the keys validated) before it commits, as pg_restore does.
 */
export async function loadSample(
  client: pg.ClientBase,
  data: SampleData,
  options: LoadOptions,
): Promise<void> {
  const { rows: deferred } = await client.query<DeferrableObject>(loadSql('zava/deferrable-objects'));
  for (const o of deferred) {
    if (o.kind === 'constraint') {
      await client.query(`ALTER TABLE ${o.tbl} DROP CONSTRAINT ${client.escapeIdentifier(o.name)}`);
    } else {
      await client.query(`DROP INDEX retail.${client.escapeIdentifier(o.name)}`);
    }
  }
  for (const table of data.tables) {
    if (options.loader === 'copy') await copyTable(client, table, options);
    else await insertTable(client, table, options);
  }
  // Indexes first: the foreign-key validation joins can use them.
  for (const o of deferred.filter((d) => d.kind === 'index')) await client.query(o.def);
  for (const o of deferred.filter((d) => d.kind === 'constraint')) {
    await client.query(`ALTER TABLE ${o.tbl} ADD CONSTRAINT ${client.escapeIdentifier(o.name)} ${o.def}`);
  }
  await client.query(loadSql('zava/sequences'));
}

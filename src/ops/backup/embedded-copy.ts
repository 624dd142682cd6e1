import { Readable, Transform } from 'node:stream';
import { InterruptedError } from '../../errors.js';

/**
 * Where an embedded backup's bytes come from: PGlite opened on the folder by this process, or
 * the process that serves the folder (see claimEmbeddedCopy). Both give PGlite's gzip tarball of
 * the data directory and the row counts of exactly that data.
 */
type PGliteLike = {
  query<T>(sql: string): Promise<{ rows: T[] }>;
  dumpDataDir(compression?: 'gzip' | 'none' | 'auto'): Promise<Blob>;
  close(): Promise<void>;
};

/** PGlite on a folder, or in memory when `dir` is undefined (then from `loadDataDir`). */
export async function openPglite(dir: string | undefined, loadDataDir?: Blob): Promise<PGliteLike> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const options = { extensions: { vector }, ...(loadDataDir ? { loadDataDir } : {}) };
  const db = dir === undefined ? new PGlite(options) : new PGlite(dir, options);
  await db.waitReady;
  return db as unknown as PGliteLike;
}

/** Ctrl-C lands between steps: PGlite's own calls cannot be cancelled half-way. */
export function interrupted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new InterruptedError(`${what} interrupted`);
}

export type TableCount = { name: string; rows: number };

export async function tableCounts(db: PGliteLike): Promise<TableCount[]> {
  const { rows } = await db.query<{ schema: string; name: string }>(
    "SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1, 2",
  );
  const out: TableCount[] = [];
  for (const row of rows) {
    const quoted = `"${row.schema.replace(/"/g, '""')}"."${row.name.replace(/"/g, '""')}"`;
    const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ONLY ${quoted}`);
    out.push({ name: `${row.schema}.${row.name}`, rows: count.rows[0].n });
  }
  return out;
}

async function describeDatabase(db: PGliteLike): Promise<{ version: string; counts: TableCount[] }> {
  const version = (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
  return { version, counts: await tableCounts(db) };
}

/** A gzip tarball of the data directory and what it holds. */
export interface EmbeddedCopy {
  data: Readable;
  /** Server version and row counts of exactly the data in `data`; called once it has ended. */
  describe(): Promise<{ version: string; counts: TableCount[] }>;
  /** Why `data` failed, when the copy itself did (rather than the upload). */
  failure?: Error;
  close(): Promise<void>;
}

/** This process holds the folder's lock: PGlite opens it and copies it itself. */
export async function directCopy(dir: string, signal?: AbortSignal): Promise<EmbeddedCopy> {
  const db = await openPglite(dir);
  try {
    const described = await describeDatabase(db);
    interrupted(signal, 'backup');
    const blob = await db.dumpDataDir('gzip');
    return {
      data: Readable.fromWeb(blob.stream() as never),
      describe: async () => described,
      close: () => db.close(),
    };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

/**
 * A live process serves the folder: its broker has the worker copy it between transactions and
 * streams the tarball here. The counts come from that very tarball, opened in memory once whole,
 * which also proves the copy opens as a database.
 */
export async function ownerCopy(owner: { pid: number; port: number }, dir: string): Promise<EmbeddedCopy> {
  const { requestOwnerCopy } = await import('../../db/embedded/dump.js');
  const chunks: Buffer[] = [];
  const source = requestOwnerCopy(owner, dir);
  const data = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback(null, chunk);
    },
  });
  const copy: EmbeddedCopy = {
    data,
    async describe() {
      const db = await openPglite(undefined, new Blob(chunks));
      try {
        return await describeDatabase(db);
      } finally {
        await db.close().catch(() => {});
      }
    },
    close: async () => void source.destroy(),
  };
  source.once('error', (error) => {
    copy.failure = error;
    data.destroy(error);
  });
  source.pipe(data);
  return copy;
}

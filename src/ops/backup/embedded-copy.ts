import { Readable } from 'node:stream';
import { describeContents, type EmbeddedContents } from '../../db/embedded/contents.js';
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

/** PGlite on a folder (filled from `loadDataDir` when given: a restore). */
export async function openPglite(dir: string, loadDataDir?: Blob): Promise<PGliteLike> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const db = new PGlite(dir, { extensions: { vector }, ...(loadDataDir ? { loadDataDir } : {}) });
  await db.waitReady;
  return db as unknown as PGliteLike;
}

/** Ctrl-C lands between steps: PGlite's own calls cannot be cancelled half-way. */
export function interrupted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new InterruptedError(`${what} interrupted`);
}

/** A gzip tarball of the data directory and what it holds. */
export interface EmbeddedCopy {
  data: Readable;
  /** Server version and row counts of exactly the data in `data` (settled once `data` has ended). */
  contents: Promise<EmbeddedContents>;
  /** Why `data` failed, when the copy itself did (rather than the upload). */
  failure?: Error;
  close(): Promise<void>;
}

/** This process holds the folder's lock: PGlite opens it and copies it itself. */
export async function directCopy(dir: string, signal?: AbortSignal): Promise<EmbeddedCopy> {
  const db = await openPglite(dir);
  try {
    const contents = await describeContents(db);
    interrupted(signal, 'backup');
    const blob = await db.dumpDataDir('gzip');
    return {
      data: Readable.fromWeb(blob.stream() as never),
      contents: Promise.resolve(contents),
      close: () => db.close(),
    };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

/**
 * A live process serves the folder: its broker has the worker count the rows and copy the data
 * directory in one turn between transactions, and streams the tarball here.
 */
export async function ownerCopy(owner: { pid: number; port: number }, dir: string): Promise<EmbeddedCopy> {
  const { requestOwnerCopy } = await import('../../db/embedded/dump.js');
  const { data, contents } = requestOwnerCopy(owner, dir);
  const copy: EmbeddedCopy = { data, contents, close: async () => void data.destroy() };
  data.once('error', (error) => {
    copy.failure = error;
  });
  return copy;
}

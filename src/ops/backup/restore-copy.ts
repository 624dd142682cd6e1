import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type pg from 'pg';
import { OperationError } from '../../errors.js';
import { decodeStored } from './codec.js';
import type { BackupKey } from './crypto.js';
import type { ManifestObject } from './manifest.js';
import { IDENT } from './post-data.js';
import { corruptObject } from './restore-steps.js';
import type { BackupStore } from './store-types.js';

/**
 * Loads pg_dump's plain data objects over one connection, in ONE transaction committed only
 * after every object's last byte matched its SHA-256: a failure, Ctrl-C or a kill anywhere (the
 * server rolls back when the connection drops) leaves the tables as they were. The rows go to
 * the server as COPY data straight from the decompressor; only the few SQL statements around
 * them (SET, setval) are parsed, and psql meta-commands (`\restrict`) are dropped.
 */

const COPY_HEADER = new RegExp(`^COPY (${IDENT}\\.${IDENT}) ((?:\\(.*\\) )?)FROM stdin;\\n`, 'm');
const END_OF_DATA = Buffer.from('\n\\.\n');
const HEADER_LIMIT = 1024 * 1024;

function statements(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !line.startsWith('\\'))
    .join('\n');
}

async function runStatements(client: pg.Client, sql: string): Promise<void> {
  const text = statements(sql);
  if (text.replace(/--[^\n]*/g, '').trim()) await client.query(text);
}

type CopyStream = Writable & { rowCount: number };

/** Streams one object's statements and COPY blocks into `client`; returns rows per COPY. */
async function feedDump(
  client: pg.Client,
  plain: Readable,
  options: { freeze: boolean; copyFrom: (sql: string) => CopyStream },
): Promise<number[]> {
  const counts: number[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let copy: CopyStream | undefined;
  let failed: Error | undefined;
  let startOfData = false;
  const finishCopy = async () => {
    const stream = copy as CopyStream;
    stream.end();
    if (!stream.writableFinished) await once(stream, 'finish');
    counts.push(stream.rowCount);
    copy = undefined;
  };
  for await (const chunk of plain as AsyncIterable<Buffer>) {
    if (failed) throw failed;
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (!copy) {
        const text = pending.toString('latin1');
        const header = COPY_HEADER.exec(text);
        if (!header) {
          if (pending.length > HEADER_LIMIT) throw new Error('no COPY statement where one was expected');
          break;
        }
        await runStatements(client, Buffer.from(text.slice(0, header.index), 'latin1').toString('utf8'));
        const table = header[1];
        if (options.freeze) await client.query(`TRUNCATE ONLY ${table}`);
        copy = options.copyFrom(
          `COPY ${table} ${header[2]}FROM stdin${options.freeze ? ' WITH (FREEZE)' : ''}`,
        );
        copy.on('error', (error) => {
          failed ??= error;
        });
        client.query(copy as never);
        pending = pending.subarray(header.index + header[0].length);
        startOfData = true;
      }
      if (startOfData) {
        // The data starts at a line start: an end marker right here is an empty table.
        if (pending.length < 3) break;
        startOfData = false;
        if (pending[0] === 0x5c && pending[1] === 0x2e && pending[2] === 0x0a) {
          pending = pending.subarray(3);
          await finishCopy();
          continue;
        }
      }
      const end = pending.indexOf(END_OF_DATA);
      // Without the marker, keep the last 3 bytes: they may be the start of one.
      const upTo = end === -1 ? Math.max(0, pending.length - 3) : end + 1;
      if (upTo > 0 && !copy.write(pending.subarray(0, upTo))) await once(copy, 'drain');
      if (end === -1) {
        pending = pending.subarray(upTo);
        break;
      }
      pending = pending.subarray(end + END_OF_DATA.length);
      await finishCopy();
    }
  }
  if (failed) throw failed;
  if (copy) throw new Error('the object ends inside its COPY data');
  await runStatements(client, pending.toString('utf8'));
  return counts;
}

export async function copyObjects(
  client: pg.Client,
  store: BackupStore,
  objects: ManifestObject[],
  key: BackupKey | undefined,
  options: {
    prologue?: string;
    /** The tables were created empty by this restore: load them frozen (no hint-bit rewrite later). */
    freeze?: boolean;
    signal?: AbortSignal;
    onBytes: (object: ManifestObject, delta: number) => void;
  },
): Promise<number[]> {
  const { from } = await import('pg-copy-streams');
  let current: Readable | undefined;
  const onAbort = () => current?.destroy(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const counts: number[] = [];
  let what = 'restore';
  try {
    await client.query('BEGIN');
    if (options.prologue) await client.query(options.prologue);
    for (const object of objects) {
      options.signal?.throwIfAborted();
      what = `restore (${object.table ?? object.kind})`;
      const decoded = decodeStored(await store.read(object.key), {
        compression: object.compression,
        key: object.keyId ? key : undefined,
        what,
      });
      current = decoded.plain;
      decoded.plain.on('data', (chunk: Buffer) => options.onBytes(object, chunk.length));
      const [, copied] = await Promise.all([
        decoded.done,
        feedDump(client, decoded.plain, { freeze: Boolean(options.freeze), copyFrom: from }),
      ]);
      counts.push(...copied);
      if (decoded.stored.digest() !== object.storedSha256) {
        throw corruptObject(what, object);
      }
    }
    options.signal?.throwIfAborted();
    await client.query('COMMIT');
    return counts;
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof OperationError || (error as { code?: string }).code?.startsWith('backup_'))
      throw error;
    throw new OperationError(`${what} failed: ${(error as Error).message}`, {
      code: 'restore_failed',
      cause: error,
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    current?.destroy();
  }
}

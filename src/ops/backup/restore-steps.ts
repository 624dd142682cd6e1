import { type Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { McpopsError, OperationError } from '../../errors.js';
import { decodeStored, decodeStream } from './codec.js';
import type { BackupKey } from './crypto.js';
import type { ManifestObject } from './manifest.js';
import { type Child, type PgTools, runTool } from './pg-tools.js';
import type { BackupStore } from './store.js';

export interface RestoreTableCheck {
  name: string;
  expected: number;
  actual: number;
  ok: boolean;
}

/**
 * The psql side of a restore. Every transaction is written as explicit BEGIN … COMMIT on
 * psql's stdin, and COMMIT only after the last byte was checked: psql ends a script at EOF,
 * so with --single-transaction a process killed mid-stream would have committed the part
 * psql had read. Without COMMIT the server rolls the session back when psql exits.
 */

interface Session {
  child: Child;
  stdin: Writable;
  /** psql's "COPY <n>" tags, in order. */
  copies: number[];
}

function openSession(
  tools: PgTools,
  env: NodeJS.ProcessEnv,
  options: { step: string; stopOnError: boolean; signal?: AbortSignal },
): Session {
  // Not -q: psql's "COPY <n>" tags say how many rows each table received.
  const args = ['-X', '--no-password', '-v', `ON_ERROR_STOP=${options.stopOnError ? 1 : 0}`, '-f', '-'];
  const child = runTool(tools.psql, args, {
    env,
    step: options.step,
    signal: options.signal,
    stdin: 'pipe',
  });
  const copies: number[] = [];
  let partial = '';
  child.process.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^COPY (\d+)$/.exec(line);
      if (match) copies.push(Number(match[1]));
    }
  });
  const stdin = child.process.stdin as Writable;
  stdin.on('error', () => {});
  return { child, stdin, copies };
}

function write(stdin: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => stdin.write(text, (error) => (error ? reject(error) : resolve())));
}

/**
 * Runs `feed` against a psql session and waits for psql. A failure on either side ends the
 * other: the child is stopped (never left waiting on stdin) before the error is thrown. The
 * error reported is the cause: a storage or integrity failure of the feed, else psql's own.
 */
async function drive(session: Session, feed: () => Promise<void>): Promise<void> {
  const fed = feed().catch(async (error) => {
    await session.child.stop();
    throw error;
  });
  const [feedResult, psqlResult] = await Promise.allSettled([fed, session.child.done]);
  if (feedResult.status === 'fulfilled' && psqlResult.status === 'fulfilled') return;
  await session.child.stop();
  if (feedResult.status === 'rejected' && feedResult.reason instanceof McpopsError) throw feedResult.reason;
  if (psqlResult.status === 'rejected') throw psqlResult.reason;
  throw (feedResult as PromiseRejectedResult).reason;
}

const IDENT = '(?:"(?:[^"]|"")+"|[^\\s."]+)';
const COPY_HEADER = new RegExp(`^COPY (${IDENT}\\.${IDENT}) ((?:\\(.*\\) )?)FROM stdin;$`, 'm');
const HEADER_LIMIT = 1024 * 1024;

/**
 * Rewrites a data object's `COPY t … FROM stdin;` into `TRUNCATE ONLY t; COPY t … FROM stdin
 * WITH (FREEZE);` for a table this restore just created, empty: the rows are written frozen
 * and all-visible, so the index builds that read them next do not dirty every page again to
 * set hint bits. Everything after the header passes through untouched.
 */
function freezeCopy(): Transform {
  let head = '';
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (done) return callback(null, chunk);
      head += chunk.toString('latin1');
      const match = COPY_HEADER.exec(head);
      if (!match && head.length < HEADER_LIMIT) return callback();
      done = true;
      const text = match
        ? head.replace(
            COPY_HEADER,
            `TRUNCATE ONLY ${match[1]};\nCOPY ${match[1]} ${match[2]}FROM stdin WITH (FREEZE);`,
          )
        : head;
      callback(null, Buffer.from(text, 'latin1'));
    },
    flush(callback) {
      callback(null, done ? undefined : Buffer.from(head, 'latin1'));
    },
  });
}

/**
 * Loads data objects through one psql session in ONE transaction (with `prologue`, e.g. a
 * TRUNCATE, inside it): a failure or a kill anywhere leaves the tables as they were.
 * Returns psql's COPY row counts in order.
 */
export async function loadObjects(
  store: BackupStore,
  objects: ManifestObject[],
  key: BackupKey | undefined,
  tools: PgTools,
  env: NodeJS.ProcessEnv,
  options: {
    prologue?: string;
    /** The tables were created empty by this restore: load them frozen. */
    freeze?: boolean;
    signal?: AbortSignal;
    onBytes: (object: ManifestObject, delta: number) => void;
  },
): Promise<number[]> {
  const step = `restore (${objects.map((o) => o.table ?? o.kind).join(', ')})`;
  const session = openSession(tools, env, { step, stopOnError: true, signal: options.signal });
  let current: Readable | undefined;
  const onAbort = () => current?.destroy();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await drive(session, async () => {
      await write(session.stdin, `BEGIN;\n${options.prologue ?? ''}`);
      for (const object of objects) {
        options.signal?.throwIfAborted();
        const what = `restore (${object.table ?? object.kind})`;
        const decoded = decodeStored(await store.read(object.key), {
          compression: object.compression,
          key: object.keyId ? key : undefined,
          what,
        });
        current = decoded.plain;
        decoded.plain.on('data', (chunk: Buffer) => options.onBytes(object, chunk.length));
        const piped = options.freeze
          ? pipeline(decoded.plain, freezeCopy(), session.stdin, { end: false })
          : pipeline(decoded.plain, session.stdin, { end: false });
        await Promise.all([decoded.done, piped]);
        if (decoded.stored.digest() !== object.storedSha256) {
          throw new OperationError(`${what}: object ${object.key} changed since it was verified`, {
            code: 'backup_object_corrupt',
          });
        }
      }
      session.stdin.end('COMMIT;\n');
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    current?.destroy();
  }
  return session.copies;
}

/** An object's plain bytes in memory (schema sections only: DDL, small), checked against the manifest. */
export async function readPlain(
  store: BackupStore,
  object: ManifestObject,
  key: BackupKey | undefined,
): Promise<Buffer> {
  const decoded = decodeStream(await store.read(object.key), {
    compression: object.compression,
    key: object.keyId ? key : undefined,
    what: `restore (${object.kind})`,
  });
  const chunks: Buffer[] = [];
  for await (const chunk of decoded.plain) chunks.push(chunk as Buffer);
  await decoded.done;
  if (decoded.plainHash.digest() !== object.plainSha256) {
    throw new OperationError(`restore (${object.kind}): object ${object.key} changed since it was verified`, {
      code: 'backup_object_corrupt',
    });
  }
  return Buffer.concat(chunks);
}

/** Runs SQL text through psql; in one transaction that commits only if all of it ran. */
export async function runSql(
  tools: PgTools,
  env: NodeJS.ProcessEnv,
  sql: string,
  options: { step: string; stopOnError: boolean; transaction: boolean; signal?: AbortSignal },
): Promise<string[]> {
  const session = openSession(tools, env, options);
  let errors = '';
  session.child.process.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-20_000);
  });
  await drive(session, async () => {
    session.stdin.end(options.transaction ? `BEGIN;\n${sql}\nCOMMIT;\n` : sql);
  });
  return errors.split('\n').filter((line) => /ERROR:/.test(line));
}

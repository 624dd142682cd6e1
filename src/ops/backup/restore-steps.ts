import type { Writable } from 'node:stream';
import { McpopsError, OperationError } from '../../errors.js';
import { decodeStream } from './codec.js';
import type { BackupKey } from './crypto.js';
import type { ManifestObject } from './manifest.js';
import { type Child, type PgTools, runTool } from './pg-tools.js';
import type { BackupStore } from './store-types.js';

export interface RestoreTableCheck {
  name: string;
  expected: number;
  actual: number;
  ok: boolean;
}

/**
 * The psql side of a restore (schema, index builds, constraints, grants). A transaction is
 * written as explicit BEGIN … COMMIT on psql's stdin: psql ends a script at EOF, so with
 * --single-transaction a process killed mid-write would have committed the part psql had
 * read. Without COMMIT the server rolls the session back when psql exits.
 */

interface Session {
  child: Child;
  stdin: Writable;
}

function openSession(
  tools: PgTools,
  env: NodeJS.ProcessEnv,
  options: { step: string; stopOnError: boolean; signal?: AbortSignal },
): Session {
  const args = ['-X', '-q', '--no-password', '-v', `ON_ERROR_STOP=${options.stopOnError ? 1 : 0}`, '-f', '-'];
  const child = runTool(tools.psql, args, {
    env,
    step: options.step,
    signal: options.signal,
    stdin: 'pipe',
  });
  child.process.stdout?.resume();
  const stdin = child.process.stdin as Writable;
  stdin.on('error', () => {});
  return { child, stdin };
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

/** An object whose stored bytes differ from what its manifest recorded, met while it loads. */
export function corruptObject(what: string, object: ManifestObject): OperationError {
  return new OperationError(`${what}: object ${object.key} does not match the SHA-256 in its manifest`, {
    code: 'backup_object_corrupt',
    suggestion:
      'Restore another backup (`mcpops backup list`); `mcpops backup verify <id>` lists every bad object.',
  });
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
    throw corruptObject(`restore (${object.kind})`, object);
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

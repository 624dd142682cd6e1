import { OperationError } from '../../errors.js';
import { decodeStream } from './codec.js';
import type { BackupKey } from './crypto.js';
import type { ManifestObject } from './manifest.js';
import { type PgTools, runTool } from './pg-tools.js';
import type { BackupStore } from './store.js';

export interface RestoreTableCheck {
  name: string;
  expected: number;
  actual: number;
  ok: boolean;
}

/** The psql side of a restore: objects streamed into psql, SQL text run, row counts read back. */

export async function streamInto(
  store: BackupStore,
  object: ManifestObject,
  key: BackupKey | undefined,
  tools: PgTools,
  env: NodeJS.ProcessEnv,
  options: { stopOnError: boolean; signal?: AbortSignal; onBytes: (delta: number) => void },
): Promise<{ errors: string[]; copied: number }> {
  const step = `restore (${object.table ?? object.kind})`;
  // Not -q: psql's "COPY <n>" tags say how many rows each table received.
  const args = ['-X', '--no-password', '-v', `ON_ERROR_STOP=${options.stopOnError ? 1 : 0}`, '-f', '-'];
  if (options.stopOnError) args.push('--single-transaction');
  const psql = runTool(tools.psql, args, { env, step, signal: options.signal, stdin: 'pipe' });
  let errors = '';
  psql.process.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-20_000);
  });
  let copied = 0;
  let partial = '';
  psql.process.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^COPY (\d+)$/.exec(line);
      if (match) copied += Number(match[1]);
    }
  });
  const decoded = decodeStream(await store.read(object.key), {
    compression: object.compression,
    key: object.keyId ? key : undefined,
    what: step,
  });
  decoded.plain.on('data', (chunk: Buffer) => options.onBytes(chunk.length));
  decoded.plain.pipe(psql.process.stdin!);
  psql.process.stdin!.on('error', () => {});
  await Promise.all([decoded.done, psql.done]);
  if (decoded.stored.digest() !== object.storedSha256 || decoded.plainHash.digest() !== object.plainSha256) {
    throw new OperationError(`${step}: object ${object.key} changed since it was verified`, {
      code: 'backup_object_corrupt',
    });
  }
  return { errors: errors.split('\n').filter((line) => /ERROR:/.test(line)), copied };
}

export const POST_DATA_SPLIT_LIMIT = 64 * 1024 * 1024;

/** An object's plain bytes in memory (post-data only: DDL, small), checked against the manifest. */
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

export async function runSql(
  tools: PgTools,
  env: NodeJS.ProcessEnv,
  sql: string,
  options: { step: string; stopOnError: boolean; transaction: boolean; signal?: AbortSignal },
): Promise<string[]> {
  const args = ['-X', '-q', '--no-password', '-v', `ON_ERROR_STOP=${options.stopOnError ? 1 : 0}`, '-f', '-'];
  if (options.transaction) args.push('--single-transaction');
  const psql = runTool(tools.psql, args, { env, step: options.step, signal: options.signal, stdin: 'pipe' });
  let errors = '';
  psql.process.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-20_000);
  });
  psql.process.stdout?.resume();
  psql.process.stdin?.on('error', () => {});
  psql.process.stdin?.end(sql);
  await psql.done;
  return errors.split('\n').filter((line) => /ERROR:/.test(line));
}

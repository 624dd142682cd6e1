import net from 'node:net';
import { Readable } from 'node:stream';
import { InterruptedError, isMcpopsError, UnavailableError } from '../../errors.js';
import type { EmbeddedContents } from './contents.js';
import { reachable } from './host.js';
import { acquireEmbeddedLock, type EmbeddedLock, embeddedOwner, embeddedWorkerAlive } from './lock.js';
import { readEmbeddedMeta } from './meta.js';
import { dumpRequest, errorText, Framer } from './protocol.js';

/** Who can copy the folder: this process (it holds the lock now), or the live process owning it. */
export type EmbeddedCopySource = { lock: EmbeddedLock } | { owner: { pid: number; port: number } };

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long to wait for an owner that is starting (or creating the database) to serve it. */
const OWNER_START_WAIT_MS = 15 * 60_000;
/** How long a lock held by a process with no database worker may take to show one. */
const HOLDER_GRACE_MS = 2_000;

/**
 * Decides how a backup gets its copy of an embedded folder. A folder nobody serves is locked by
 * this process and opened directly; one a live process serves is copied by that process, once
 * its database is complete. A process that holds the lock but serves nothing (another backup, a
 * restore) makes this fail as "in use".
 */
export async function claimEmbeddedCopy(dir: string, signal?: AbortSignal): Promise<EmbeddedCopySource> {
  const started = Date.now();
  for (;;) {
    if (signal?.aborted) throw new InterruptedError('backup interrupted');
    const owner = embeddedOwner(dir);
    if (owner && readEmbeddedMeta(dir)?.state !== 'initialising' && (await reachable(owner.port)))
      return { owner };
    if (!owner) {
      try {
        return { lock: acquireEmbeddedLock(dir) };
      } catch (error) {
        if (!isMcpopsError(error) || error.code !== 'embedded_in_use') throw error;
        // A holder that is starting (or taking over) has a worker before it has a broker.
        const waited = Date.now() - started;
        if (waited > (embeddedWorkerAlive(dir) ? OWNER_START_WAIT_MS : HOLDER_GRACE_MS)) {
          throw new UnavailableError(error.message, {
            code: 'embedded_in_use',
            suggestion:
              'That process has the folder without serving it (another backup or a restore); run the backup again once it has finished.',
            cause: error,
          });
        }
      }
    } else if (Date.now() - started > OWNER_START_WAIT_MS) {
      throw new UnavailableError(`the embedded database at ${dir} did not become ready for a backup`, {
        code: 'embedded_in_use',
        suggestion: `Process ${owner.pid} holds the folder; run the backup again once it serves.`,
      });
    }
    await delay(200);
  }
}

/**
 * Asks the owner of an embedded folder for a copy of its data directory (see DUMP_REQUEST): the
 * gzip tarball, taken between transactions, and what it holds (counted in the same turn). The
 * stream fails unless every byte the owner announced arrived, so a copy cut short (the owner
 * died) is never taken for a whole one; `contents` settles with it.
 */
export function requestOwnerCopy(
  owner: { pid: number; port: number },
  dir: string,
): { data: Readable; contents: Promise<EmbeddedContents> } {
  const socket = net.connect(owner.port, '127.0.0.1');
  const framer = new Framer(false);
  let received = 0;
  let finished = false;
  let described: (contents: EmbeddedContents) => void = () => {};
  let failed: (error: Error) => void = () => {};
  const contents = new Promise<EmbeddedContents>((resolve, reject) => {
    described = resolve;
    failed = reject;
  });
  contents.catch(() => {});
  const lost = (detail: string) =>
    new UnavailableError(
      `process ${owner.pid}, which serves the embedded database at ${dir}, ${detail}; no backup was kept`,
      {
        code: 'embedded_copy_failed',
        suggestion: 'Run the backup again: another process takes the folder over, or it is copied directly.',
      },
    );
  const data = new Readable({
    read() {
      socket.resume();
    },
    destroy(error, callback) {
      socket.destroy();
      failed(error ?? lost('was left before the copy was complete'));
      callback(error);
    },
  });
  socket.on('connect', () => socket.write(dumpRequest()));
  socket.on('data', (chunk: Buffer) => {
    framer.push(chunk);
    for (let m = framer.next(); m; m = framer.next()) {
      const type = String.fromCharCode(m[0]);
      const body = m.subarray(5);
      if (type === 'd') {
        received += body.length;
        if (!data.push(body)) socket.pause();
      } else if (type === 'c') {
        const end = parseCopyEnd(body);
        if (end?.bytes !== received) {
          data.destroy(lost('sent an incomplete copy'));
          continue;
        }
        finished = true;
        described(end.contents);
        data.push(null);
      } else {
        data.destroy(lost(type === 'E' ? `could not copy it (${errorText(m)})` : 'does not take backups'));
      }
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    if (!finished) data.destroy(lost('stopped before the copy was complete'));
  });
  return { data, contents };
}

function parseCopyEnd(body: Buffer): { bytes: number; contents: EmbeddedContents } | undefined {
  try {
    const end = JSON.parse(body.toString('utf8')) as { bytes?: unknown; contents?: EmbeddedContents };
    if (typeof end.bytes !== 'number' || !end.contents || !Array.isArray(end.contents.counts))
      return undefined;
    return { bytes: end.bytes, contents: end.contents };
  } catch {
    return undefined;
  }
}

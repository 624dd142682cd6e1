/**
 * The embedded database process: PGlite (+pgvector) on a data folder, behind PGlite's socket
 * server on a loopback port. It runs in its own process because PGlite executes a query
 * synchronously on one thread and ignores statement_timeout; the parent enforces time limits by
 * ending this process and starting another on the same folder.
 *
 * Started with child_process.fork(worker, [dataDir, port]). Reports over IPC:
 * `{ type: 'ready', port }` or `{ type: 'failed', message, code }`; obeys `{ type: 'stop' }`, and
 * answers `{ type: 'dump', id }` with a copy of the data directory (see dump below).
 *
 * No relative imports on purpose: under vitest this file runs straight from src/ through Node's
 * type stripping, and from dist/ once built.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

type ParentMessage = { type: 'stop' } | { type: 'dump'; id: number };

/** IPC messages are JSON here: the tarball travels base64-encoded in pieces of this size. */
const DUMP_PIECE = 256 * 1024;

/**
 * A copy of the data directory for a backup, and what it holds: the row counts, then a
 * checkpoint (so the files hold every committed change and the copy opens without WAL replay),
 * then PGlite's gzip tarball. The parent asks only while no session has a transaction open and
 * holds every client back until the end, so the counts describe exactly the copied data. Each
 * piece waits until the one before has left, so at most one is encoded at a time.
 */
async function dump(db: PGlite, id: number): Promise<void> {
  try {
    const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const { describeContents } = (await import(
      new URL(`./contents${extension}`, import.meta.url).href
    )) as typeof import('./contents.js');
    const contents = await describeContents(db);
    await db.exec('CHECKPOINT');
    const tarball = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
    for (let at = 0; at < tarball.length; at += DUMP_PIECE)
      await send({
        type: 'dump-data',
        id,
        data: tarball.subarray(at, at + DUMP_PIECE).toString('base64'),
      });
    await send({ type: 'dump-end', id, bytes: tarball.length, contents });
  } catch (error) {
    void send({
      type: 'dump-failed',
      id,
      message: String((error as Error)?.message ?? error).split('\n')[0],
    });
  }
}

/** Sends to the parent; resolves once the message has been handed to the channel. */
function send(message: Record<string, unknown>): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function main(): Promise<void> {
  const [dataDir, portText] = process.argv.slice(2);
  if (!dataDir) throw new Error('usage: worker <dataDir> [port]');
  const db = await PGlite.create(dataDir, { extensions: { vector } });
  // The parent's broker keeps one connection; spare slots let a replaced connection close while
  // its successor connects (the socket server answers a full server with plain text).
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: Number(portText ?? 0),
    maxConnections: 3,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // A clean close checkpoints, so the next start skips WAL replay.
    await server.stop().catch(() => {});
    await db.close().catch(() => {});
    process.exit(0);
  };
  process.on('message', (message: ParentMessage) => {
    if (message?.type === 'stop') void stop();
    else if (message?.type === 'dump') void dump(db, message.id);
  });
  // The parent went away (crash, kill): never outlive it holding the data folder.
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => {});
  const port = Number(server.getServerConn().split(':').pop());
  void send({ type: 'ready', port });
}

main().catch((error: NodeJS.ErrnoException) => {
  void send({ type: 'failed', message: String(error?.message ?? error).split('\n')[0], code: error?.code });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 50);
});

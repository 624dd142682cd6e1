import net from 'node:net';
import type pg from 'pg';

/** The parts of a pg client that the cut-off reaches past the public API for. */
interface ClientInternals {
  processID: number | null;
  secretKey: number | null;
  host?: string;
  port?: number;
  connection: { stream: NodeJS.ReadableStream & { destroy(): void } };
}

const DATA_ROW = 0x44; // 'D'

/**
 * Follows the backend's message framing in the raw bytes as they arrive, so a DataRow's declared
 * length is known from its first bytes, before pg has buffered the message (pg hands a row over
 * only once all of it is in memory). Calls `onDataRow(length, fields)` per DataRow header.
 */
export function watchDataRows(
  client: pg.ClientBase,
  onDataRow: (length: number, fields: number) => void,
): () => void {
  const stream = (client as unknown as ClientInternals).connection.stream;
  const header = Buffer.alloc(7);
  let have = 0;
  let skip = 0;
  // A DataRow header is read with its field count (7 bytes), any other with its length (5).
  const want = () => (have === 0 ? 1 : header[0] === DATA_ROW ? 7 : 5);
  const onData = (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      const n = Math.min(want() - have, chunk.length - i);
      chunk.copy(header, have, i, i + n);
      have += n;
      i += n;
      if (have < want()) continue;
      const length = header.readInt32BE(1); // counts itself, not the type byte
      skip = length - (have - 1);
      have = 0;
      if (header[0] === DATA_ROW) onDataRow(length, header.readInt16BE(5));
    }
  };
  stream.on('data', onData);
  return () => stream.removeListener('data', onData);
}

/**
 * Stops a statement whose answer is being refused: the socket is destroyed at once (pg reads
 * nothing more; the client errors, so the pool drops it instead of reusing a connection that is
 * mid-message), and a CancelRequest on a fresh connection stops the backend even while it is
 * computing rather than writing. Cancel requests travel in the clear, as libpq sends them.
 */
export function cutOffConnection(client: pg.ClientBase): void {
  const internals = client as unknown as ClientInternals;
  const { processID, secretKey, host, port } = internals;
  internals.connection.stream.destroy();
  if (processID === null || secretKey === null || !port) return;
  const socket = host?.startsWith('/')
    ? net.connect(`${host}/.s.PGSQL.${port}`)
    : net.connect(port, host ?? 'localhost');
  const request = Buffer.alloc(16);
  request.writeInt32BE(16, 0);
  request.writeInt32BE(80877102, 4); // the CancelRequest code
  request.writeInt32BE(processID, 8);
  request.writeInt32BE(secretKey, 12);
  socket.setTimeout(5000, () => socket.destroy());
  socket.on('error', () => {});
  socket.on('connect', () => socket.end(request));
}

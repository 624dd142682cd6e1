/** The few pieces of the PostgreSQL v3 wire protocol the session broker reads and writes. */

export const SSL_REQUEST = 80877103;
export const GSS_REQUEST = 80877104;
export const PROTOCOL_3 = 196608;
/**
 * mcpops's own startup request, in the style of SSLRequest/CancelRequest but outside PostgreSQL's
 * 1234.x codes: "send me a copy of the data directory, taken between transactions". The answer is
 * a series of 'd' messages (bytes of the gzip tarball), then 'c' (its byte count), or an 'E'.
 */
export const DUMP_REQUEST = (4321 << 16) | 1;
export const Z = 0x5a; // ReadyForQuery
export const OPENS_PORTAL = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));
export const ENDS_WITH_READY = new Set(['S', 'Q', 'F'].map((c) => c.charCodeAt(0)));

/** Splits a byte stream into protocol messages (the first ones of a client have no type byte). */
export class Framer {
  private buffer: Buffer = Buffer.alloc(0);
  constructor(public untyped: boolean) {}
  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }
  next(): Buffer | undefined {
    const head = this.untyped ? 0 : 1;
    if (this.buffer.length < head + 4) return undefined;
    const size = head + this.buffer.readInt32BE(head);
    if (this.buffer.length < size) return undefined;
    const message = this.buffer.subarray(0, size);
    this.buffer = this.buffer.subarray(size);
    return message;
  }
}

export function typed(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

export const cstring = (text: string) => Buffer.from(`${text}\0`, 'utf8');
export const AUTH_OK = typed('R', Buffer.from([0, 0, 0, 0]));
export const READY_IDLE = typed('Z', Buffer.from('I'));
export const SYNC = typed('S', Buffer.alloc(0));
export const ROLLBACK = typed('Q', cstring('ROLLBACK'));

export function startupMessage(): Buffer {
  const body = Buffer.concat([
    cstring('user'),
    cstring('postgres'),
    cstring('database'),
    cstring('postgres'),
    cstring(''),
  ]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(body.length + 8, 0);
  head.writeInt32BE(PROTOCOL_3, 4);
  return Buffer.concat([head, body]);
}

export function dumpRequest(): Buffer {
  const packet = Buffer.alloc(8);
  packet.writeInt32BE(8, 0);
  packet.writeInt32BE(DUMP_REQUEST, 4);
  return packet;
}

/** The M field of an ErrorResponse. */
export function errorText(message: Buffer): string {
  const field = message
    .subarray(5)
    .toString('utf8')
    .split('\0')
    .find((f) => f.startsWith('M'));
  return field?.slice(1) ?? 'unknown error';
}

export function fatal(message: string): Buffer {
  return typed(
    'E',
    Buffer.concat([
      cstring('SFATAL'),
      cstring('VFATAL'),
      cstring('C57P03'),
      cstring(`M${message}`),
      cstring(''),
    ]),
  );
}

/**
 * Every client shares the one session, so named statements and portals get the client's prefix:
 * two processes preparing the same name never collide (unnamed ones live only until the next
 * Parse/Bind of the same client, which holds the backend meanwhile).
 */
export function renameStatements(message: Buffer, prefix: string): Buffer {
  const type = String.fromCharCode(message[0]);
  const body = message.subarray(5);
  const cut = (at: number) => {
    const end = body.indexOf(0, at);
    return { name: body.subarray(at, end).toString('utf8'), next: end + 1 };
  };
  const named = (name: string) => (name === '' ? '' : prefix + name);
  let parts: Buffer[];
  if (type === 'P') {
    const first = cut(0);
    if (first.name === '') return message;
    parts = [cstring(named(first.name)), body.subarray(first.next)];
  } else if (type === 'B') {
    const portal = cut(0);
    const statement = cut(portal.next);
    if (portal.name === '' && statement.name === '') return message;
    parts = [cstring(named(portal.name)), cstring(named(statement.name)), body.subarray(statement.next)];
  } else if (type === 'D' || type === 'C' || type === 'E') {
    const at = type === 'E' ? 0 : 1;
    const name = cut(at);
    if (name.name === '') return message;
    parts = [body.subarray(0, at), cstring(named(name.name)), body.subarray(name.next)];
  } else return message;
  return typed(type, Buffer.concat(parts));
}

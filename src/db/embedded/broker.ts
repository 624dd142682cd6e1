import { once } from 'node:events';
import net from 'node:net';
import type { EmbeddedContents } from './contents.js';
import {
  AUTH_OK,
  DUMP_REQUEST,
  ENDS_WITH_READY,
  Framer,
  fatal,
  GSS_REQUEST,
  OPENS_PORTAL,
  PROTOCOL_3,
  READY_IDLE,
  ROLLBACK,
  renameStatements,
  SSL_REQUEST,
  SYNC,
  startupMessage,
  typed,
  Z,
} from './protocol.js';

/**
 * The one door to the embedded database, run by the process that owns the folder. PGlite has a
 * single session, and pglite-socket interleaves the protocol messages of concurrent connections,
 * so every connection (this process's pool and other processes attached to the folder) comes
 * through here and the broker passes exactly one of them at a time to one backend connection:
 * a client keeps the backend from its first message until the backend is idle again (ReadyForQuery
 * 'I' with nothing of that client's still open), which is a whole transaction.
 *
 * A backup (DUMP_REQUEST) waits in the same queue and takes the backend like a client, so it
 * starts when no transaction of anyone is open and nothing else runs until it has the copy.
 */

interface Client {
  /** Prefix of this client's statement and portal names in the shared session. */
  prefix: string;
  socket: net.Socket;
  framer: Framer;
  started: boolean;
  closed: boolean;
  /** Messages waiting for the backend. */
  queue: Buffer[];
  /** Sync/Query sent whose ReadyForQuery has not come back. */
  pendingReady: number;
  /** Extended-protocol messages sent since the last Sync. */
  openPortal: boolean;
  /** Asked for a copy of the data directory rather than a session. */
  dump?: boolean;
}

interface Backend {
  socket: net.Socket;
  framer: Framer;
  ready: boolean;
}

export interface SessionBrokerOptions {
  /** The worker's port, once it answers (waits out a restart). */
  backendPort(): Promise<number>;
  /** A client left while its statement ran: PGlite cannot cancel it, so the worker is restarted. */
  onAbandonedStatement(): void;
  /**
   * Has the worker count its rows and copy its data directory (gzip tarball), handing over the
   * bytes as they come; resolves with their count and the counts. Called only while the broker
   * holds every client back.
   */
  dump(onData: (chunk: Buffer) => void): Promise<{ bytes: number; contents: EmbeddedContents }>;
}

export class SessionBroker {
  port = 0;
  private server?: net.Server;
  private backend?: Backend;
  private connecting?: Promise<Backend>;
  private greeting: Buffer[] = [];
  private current?: Client;
  private waiting: Client[] = [];
  private clients = new Set<Client>();
  /** ReadyForQuery messages still to swallow after cleaning up for a client that left. */
  private draining = 0;
  private status = 'I';
  private granting = false;
  private clientCount = 0;
  private outbox: { client?: Client; parts: Buffer[] } = { parts: [] };
  /** A backup copy is being taken: every client waits. */
  dumping = false;

  constructor(private readonly options: SessionBrokerOptions) {}

  async start(): Promise<number> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const client of this.clients) client.socket.destroy();
    this.backend?.socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const client: Client = {
      prefix: `b${++this.clientCount}_`,
      socket,
      framer: new Framer(true),
      started: false,
      closed: false,
      queue: [],
      pendingReady: 0,
      openPortal: false,
    };
    this.clients.add(client);
    socket.on('data', (chunk: Buffer) => {
      client.framer.push(chunk);
      const backend = this.backend?.socket;
      backend?.cork();
      for (let m = client.framer.next(); m; m = client.framer.next()) this.fromClient(client, m);
      backend?.uncork();
    });
    socket.on('error', () => {});
    socket.on('close', () => this.leave(client));
  }

  private fromClient(client: Client, message: Buffer): void {
    if (client.dump) return;
    if (!client.started) {
      const code = message.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSS_REQUEST) return void client.socket.write('N');
      if (code === DUMP_REQUEST) {
        client.started = true;
        client.dump = true;
        this.waiting.push(client);
        this.grant();
        return;
      }
      if (code !== PROTOCOL_3) return void client.socket.destroy();
      client.started = true;
      client.framer.untyped = false;
      this.ensureBackend().then(
        () => client.socket.write(Buffer.concat([AUTH_OK, ...this.greeting, READY_IDLE])),
        (error: Error) =>
          client.socket.end(fatal(`the embedded database is not available: ${error.message}`)),
      );
      return;
    }
    if (message[0] === 'X'.charCodeAt(0)) return void client.socket.end();
    if (this.current === client) {
      this.forward(client, [message]);
      return;
    }
    client.queue.push(message);
    if (!this.waiting.includes(client)) this.waiting.push(client);
    this.grant();
  }

  private forward(client: Client, messages: Buffer[]): void {
    const backend = this.backend;
    if (!backend?.ready) {
      client.socket.destroy();
      return;
    }
    const out = messages.map((message) => {
      const type = message[0];
      if (ENDS_WITH_READY.has(type)) client.pendingReady++;
      if (type === 'S'.charCodeAt(0)) client.openPortal = false;
      else if (OPENS_PORTAL.has(type)) client.openPortal = true;
      return renameStatements(message, client.prefix);
    });
    backend.socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
  }

  /** Gives the backend to the next waiting client once nobody holds it. */
  private grant(): void {
    if (this.current || this.draining > 0 || this.granting) return;
    const next = this.waiting.shift();
    if (!next) return;
    if (!this.backend?.ready) {
      this.waiting.unshift(next);
      this.granting = true;
      this.ensureBackend().then(
        () => {
          this.granting = false;
          this.grant();
        },
        (error: Error) => {
          this.granting = false;
          for (const waiter of this.waiting.splice(0))
            waiter.socket.end(fatal(`the embedded database is not available: ${error.message}`));
        },
      );
      return;
    }
    this.current = next;
    if (next.dump) {
      this.runDump(next);
      return;
    }
    const queued = next.queue;
    next.queue = [];
    this.forward(next, queued);
  }

  /** Streams a copy of the data directory to `client`, then lets the others go on. */
  private runDump(client: Client): void {
    this.dumping = true;
    const send = (message: Buffer) => {
      if (!client.closed) client.socket.write(message);
    };
    this.options
      .dump((chunk) => send(typed('d', chunk)))
      .then(
        (end) => {
          if (!client.closed) client.socket.end(typed('c', Buffer.from(JSON.stringify(end))));
        },
        (error: Error) => {
          if (!client.closed) client.socket.end(fatal(`the backup copy failed: ${error.message}`));
        },
      )
      .finally(() => {
        this.dumping = false;
        if (this.current !== client) return;
        this.current = undefined;
        this.grant();
      });
  }

  private leave(client: Client): void {
    client.closed = true;
    this.clients.delete(client);
    this.waiting = this.waiting.filter((c) => c !== client);
    // A copy under way finishes in the worker before anyone else gets the backend.
    if (this.current !== client || client.dump) return;
    this.current = undefined;
    if (client.pendingReady > 0) {
      // Its statement is still running and cannot be cancelled: hold everyone until the restart.
      this.draining = Number.POSITIVE_INFINITY;
      this.options.onAbandonedStatement();
      return;
    }
    if (client.openPortal || this.status !== 'I') {
      // Never hand a half-done transaction to the next client.
      const cleanup = client.openPortal ? [SYNC, ROLLBACK] : [ROLLBACK];
      this.draining = cleanup.length;
      this.backend?.socket.write(Buffer.concat(cleanup));
      return;
    }
    this.grant();
  }

  private fromBackend(message: Buffer): void {
    const isReady = message[0] === Z;
    if (isReady) this.status = String.fromCharCode(message[5]);
    if (this.draining > 0) {
      if (isReady && --this.draining === 0) this.grant();
      return;
    }
    const client = this.current;
    if (!client) return; // a notice between transactions: nobody to tell
    if (this.outbox.client !== client) this.flush();
    this.outbox.client = client;
    this.outbox.parts.push(message);
    if (isReady && --client.pendingReady <= 0 && !client.openPortal && this.status === 'I') {
      client.pendingReady = 0;
      this.flush();
      this.current = undefined;
      this.grant();
    }
  }

  /** One write per backend chunk rather than per row: results of many rows stay cheap. */
  private flush(): void {
    const { client, parts } = this.outbox;
    if (client && parts.length > 0 && !client.closed)
      client.socket.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    this.outbox = { parts: [] };
  }

  private ensureBackend(): Promise<Backend> {
    if (this.backend?.ready) return Promise.resolve(this.backend);
    this.connecting ??= this.connectBackend().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connectBackend(): Promise<Backend> {
    const port = await this.options.backendPort();
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const backend: Backend = { socket, framer: new Framer(false), ready: false };
    const greeting: Buffer[] = [];
    const started = new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        backend.framer.push(chunk);
        for (let m = backend.framer.next(); m; m = backend.framer.next()) {
          if (backend.ready) {
            this.fromBackend(m);
            continue;
          }
          const type = String.fromCharCode(m[0]);
          if (type === 'S' || type === 'K') greeting.push(m);
          else if (type === 'E') reject(new Error('the worker refused the connection'));
          else if (type === 'Z') {
            backend.ready = true;
            this.greeting = greeting;
            this.status = 'I';
            resolve();
          }
        }
        this.flush();
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('the worker closed the connection')));
    });
    socket.on('error', () => {});
    socket.on('close', () => this.lost(backend));
    socket.write(startupMessage());
    await started;
    this.backend = backend;
    return backend;
  }

  /** The worker went away (restart, crash): whoever held it loses its connection. */
  private lost(backend: Backend): void {
    if (this.backend !== backend) return;
    this.backend = undefined;
    this.outbox = { parts: [] };
    this.draining = 0;
    this.status = 'I';
    this.current = undefined;
    this.waiting = [];
    // A new worker is a new session: no client's prepared statements exist there any more.
    for (const client of this.clients) client.socket.destroy();
  }
}

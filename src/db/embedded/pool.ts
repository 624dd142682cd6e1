import type net from 'node:net';
import pg from 'pg';
import type { Config } from '../../config/schema.js';
import { Secret } from '../../config/secret.js';
import { createPool } from '../pool.js';
import type { EmbeddedHost } from './host.js';

type QueryFn = (...args: unknown[]) => unknown;

/**
 * Enforces the statement time limit from outside, because PGlite ignores statement_timeout and
 * cannot be interrupted: a query still running at the limit gets the worker killed and
 * restarted, and fails like PostgreSQL's own timeout (SQLSTATE 57014).
 */
export class QueryWatchdog {
  timeouts = 0;

  constructor(
    private readonly worker: { restart(): Promise<unknown> },
    public limitMs: number,
  ) {}

  /**
   * Runs one client.query call (promise, callback or submittable form) under the limit;
   * `onFire` marks the client whose connection is about to die.
   */
  run(query: QueryFn, args: unknown[], onFire: (limitMs: number) => void): unknown {
    const first = args[0] as { submit?: unknown; once?: (event: string, fn: () => void) => void } | undefined;
    const timer = this.arm(onFire);
    if (first && typeof first.submit === 'function') {
      // Cursors and COPY streams settle through events rather than a promise.
      for (const event of ['end', 'finish', 'error', 'close']) first.once?.(event, timer.clear);
      try {
        return query(...args);
      } catch (error) {
        timer.clear();
        throw error;
      }
    }
    const callback =
      typeof args.at(-1) === 'function' ? (args.pop() as (e: unknown, r?: unknown) => void) : undefined;
    let pending: Promise<unknown>;
    try {
      pending = query(...args) as Promise<unknown>;
    } catch (error) {
      // pg throws synchronously on a malformed call; nothing ran, so nothing to time.
      timer.clear();
      throw error;
    }
    const settled = pending.then(
      (result) => {
        timer.clear();
        return result;
      },
      (error) => {
        timer.clear();
        throw timer.fired() ? timeoutError(timer.limitMs) : error;
      },
    );
    if (!callback) return settled;
    settled.then(
      (result) => callback(null, result),
      (error) => callback(error),
    );
    return undefined;
  }

  private arm(onFire: (limitMs: number) => void): {
    clear: () => void;
    fired: () => boolean;
    limitMs: number;
  } {
    const limitMs = this.limitMs;
    let fired = false;
    const handle = setTimeout(() => {
      fired = true;
      onFire(limitMs);
      this.timeouts++;
      void this.worker.restart().catch(() => {});
    }, limitMs);
    return { clear: () => clearTimeout(handle), fired: () => fired, limitMs };
  }
}

/** The error PostgreSQL raises for statement_timeout, so callers and classifyDbError treat it alike. */
export function timeoutError(limitMs: number): pg.DatabaseError {
  const error = new pg.DatabaseError('canceling statement due to statement timeout', 0, 'error');
  error.severity = 'ERROR';
  error.code = '57014';
  error.detail = `The embedded database ran the statement past ${limitMs} ms and was restarted; committed data is kept.`;
  return error;
}

export interface EmbeddedPool {
  pool: pg.Pool;
  watchdog: QueryWatchdog;
  url(): Secret;
}

/**
 * A pg pool on the embedded database with exactly one connection, through the folder's session
 * broker (see SessionBroker), which passes one transaction at a time to PGlite's single session;
 * callers of this process queue in the pool, other processes at the broker.
 */
export function createEmbeddedPool(
  config: Config,
  host: EmbeddedHost,
  applicationName?: string,
): EmbeddedPool {
  const url = () => new Secret(`postgres://postgres@127.0.0.1:${host.lastPort}/postgres`);
  const pool = createPool({
    url: url(),
    config,
    max: 1,
    applicationName,
  });
  // Waiting for the one connection includes a whole slow query plus a restart, not 10 s.
  (pool.options as { connectionTimeoutMillis?: number }).connectionTimeoutMillis =
    config.statementTimeoutMs + 30_000;
  const watchdog = new QueryWatchdog(host, config.statementTimeoutMs);

  class EmbeddedClient extends pg.Client {
    /** Set when the watchdog ended the worker under this client's query. */
    private cancelledAfterMs?: number;

    constructor(options?: pg.ClientConfig) {
      super(options);
      // A killed worker ends the socket: never an unhandled 'error' event on a checked-out client.
      this.on('error', () => {});
      const query = (this.query as QueryFn).bind(this);
      (this as { query: QueryFn }).query = (...args: unknown[]) =>
        watchdog.run(query, args, (limitMs) => {
          this.cancelledAfterMs = limitMs;
          // Leaving mid-statement makes the owner's broker restart the worker (PGlite cannot cancel);
          // a statement that only waited behind a backup copy just leaves the queue.
          if (!host.isOwner || host.dumping)
            (this as unknown as { connection: { stream: net.Socket } }).connection.stream.destroy();
        });
    }

    // pg-pool's pool.query fails a call from the client's 'error' event (the dead socket), not
    // from the query: that error, too, must read as the timeout it is.
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'error' && this.cancelledAfterMs !== undefined)
        args[0] = timeoutError(this.cancelledAfterMs);
      return super.emit(event, ...args);
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
    override connect(
      callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void),
    ): Promise<pg.Client> | undefined {
      // Connections wait out a restart or a takeover, then go to the current broker.
      const connecting = host.port().then((port) => {
        (this as { port: number }).port = port;
        return super.connect();
      });
      if (!callback) return connecting;
      const done = callback as (err: Error | null, c?: pg.Client) => void;
      connecting.then(
        (client) => done(null, client),
        (error: Error) => done(error),
      );
      return undefined;
    }
  }
  (pool as unknown as { Client: typeof pg.Client }).Client = EmbeddedClient;
  return { pool, watchdog, url };
}

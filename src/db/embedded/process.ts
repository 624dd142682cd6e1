import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UnavailableError } from '../../errors.js';
import type { EmbeddedContents } from './contents.js';

type WorkerMessage = { type: 'ready'; port: number } | { type: 'failed'; message: string; code?: string };
type DumpMessage =
  | { type: 'dump-data'; id: number; data: string }
  | { type: 'dump-end'; id: number; bytes: number; contents: EmbeddedContents }
  | { type: 'dump-failed'; id: number; message: string };

export interface EmbeddedProcessOptions {
  /** PGlite's data directory. */
  dataDir: string;
  /** Called with each new worker's pid (and undefined once it is gone), for the lock file. */
  onWorker?: (pid: number | undefined) => void;
  /** How long a worker may take to open the folder (the first start runs initdb). */
  startTimeoutMs?: number;
}

/** The worker runs from dist/ once built, and straight from src/ (type stripping) under vitest. */
function workerEntry(): { path: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(js)) return { path: js, execArgv: [] };
  return {
    path: fileURLToPath(new URL('./worker.ts', import.meta.url)),
    execArgv: ['--experimental-strip-types', '--disable-warning=ExperimentalWarning'],
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Supervises the embedded database worker: starts it, keeps its loopback port stable across
 * restarts (so pooled connection settings stay valid), kills and restarts it when a query runs
 * past its limit, and restarts it after an unexpected exit.
 */
export class EmbeddedProcess {
  port = 0;
  private child?: ChildProcess;
  private ready?: Promise<number>;
  private restarting?: Promise<number>;
  private readyFailed = false;
  /** Set after too many unexpected exits: stop trying until mcpops is restarted. */
  private gaveUp = false;
  private stopping = false;
  private crashes: number[] = [];
  private stderrTail = '';
  restarts = 0;
  private dumps = 0;

  constructor(private readonly options: EmbeddedProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Starts the worker; resolves with its port. */
  start(): Promise<number> {
    return this.track(this.launch());
  }

  /** The port once the worker answers; a start that failed earlier is tried again. */
  whenReady(): Promise<number> {
    if (this.stopping) {
      return Promise.reject(
        new UnavailableError('the embedded database is closed', { code: 'embedded_closed' }),
      );
    }
    if (!this.ready || (this.readyFailed && !this.gaveUp)) return this.start();
    return this.ready;
  }

  private track(promise: Promise<number>): Promise<number> {
    this.ready = promise;
    this.readyFailed = false;
    // A failed start is reported to whoever awaits it; keep it from being an unhandled rejection.
    promise.catch(() => {
      if (this.ready === promise) this.readyFailed = true;
    });
    return promise;
  }

  /**
   * Ends the worker at once (SIGKILL: PGlite cannot interrupt a running query) and starts a new
   * one on the same folder; PostgreSQL's WAL recovery keeps every committed transaction.
   */
  restart(): Promise<number> {
    if (this.stopping) return this.whenReady();
    // Timeouts that fire together share one restart; a second kill would end the new worker.
    if (this.restarting) return this.restarting;
    const previous = this.ready;
    const next = (async () => {
      await previous?.catch(() => {});
      await this.kill();
      this.restarts++;
      return this.launch();
    })();
    this.track(next);
    this.restarting = next;
    next.then(
      () => this.clearRestarting(next),
      () => this.clearRestarting(next),
    );
    return next;
  }

  private clearRestarting(promise: Promise<number>): void {
    if (this.restarting === promise) this.restarting = undefined;
  }

  /** Asks the worker to close PGlite cleanly (checkpoint), killing it if it does not within the grace. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    await this.ready?.catch(() => {});
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.send({ type: 'stop' });
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /**
   * Has the worker count its rows and copy its data directory (checkpoint, then PGlite's gzip
   * tarball) and passes the bytes on as they arrive; resolves with their count and the counts.
   * The caller makes sure no session is in a transaction meanwhile (see SessionBroker).
   */
  dump(onData: (chunk: Buffer) => void): Promise<{ bytes: number; contents: EmbeddedContents }> {
    const child = this.child;
    if (!child?.connected || this.pid === undefined)
      return Promise.reject(new Error('the database worker is not running'));
    const id = ++this.dumps;
    return new Promise<{ bytes: number; contents: EmbeddedContents }>((resolve, reject) => {
      const onMessage = (message: DumpMessage) => {
        if (message?.id !== id) return;
        if (message.type === 'dump-data') onData(Buffer.from(message.data, 'base64'));
        else if (message.type === 'dump-end')
          settle(() => resolve({ bytes: message.bytes, contents: message.contents }));
        else if (message.type === 'dump-failed') settle(() => reject(new Error(message.message)));
      };
      const onExit = () => settle(() => reject(new Error('the database worker stopped during the copy')));
      const settle = (done: () => void) => {
        child.off('message', onMessage);
        child.off('exit', onExit);
        done();
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ type: 'dump', id });
    });
  }

  /** Synchronous last resort for process exit: a TERM lets the worker close PGlite cleanly. */
  signalExit(): void {
    this.stopping = true;
    if (this.pid !== undefined) this.child?.kill('SIGTERM');
  }

  private async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  private async launch(): Promise<number> {
    // The killed worker's port is free again at once; if someone took it meanwhile, take a new
    // one (new connections read the current port, see createEmbeddedPool).
    for (let attempt = 0; ; attempt++) {
      try {
        this.port = await this.spawn(attempt === 0 ? this.port : 0);
        return this.port;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 2) throw error;
        await delay(100);
      }
    }
  }

  private spawn(port: number): Promise<number> {
    const entry = workerEntry();
    const child = fork(entry.path, [this.options.dataDir, String(port)], {
      execArgv: entry.execArgv,
      // Never the parent's stdout: over stdio that channel belongs to the MCP protocol.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    this.stderrTail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    child.on('exit', () => this.onExit(child));
    this.options.onWorker?.(child.pid);
    return new Promise<number>((resolve, reject) => {
      const fail = (message: string) => {
        cleanup();
        child.kill('SIGKILL');
        reject(
          new UnavailableError(`the embedded database did not start: ${message}`, {
            code: 'embedded_start_failed',
            suggestion:
              'Check that the embedded folder (MCPOPS_EMBEDDED_DIR) is writable and not damaged; remove it to start over with fresh sample data.',
          }),
        );
      };
      const onMessage = (message: WorkerMessage) => {
        if (message?.type === 'ready') {
          cleanup();
          resolve(message.port);
        } else if (message?.type === 'failed') {
          if (message.code === 'EADDRINUSE') {
            cleanup();
            reject(Object.assign(new Error(message.message), { code: 'EADDRINUSE' }));
          } else fail(message.message);
        }
      };
      const onEarlyExit = (code: number | null, signal: string | null) =>
        fail(
          `worker exited (${signal ?? `code ${code}`})${this.stderrTail ? `: ${this.stderrTail.trim().split('\n').pop()}` : ''}`,
        );
      const timer = setTimeout(
        () => fail(`no answer within ${Math.round((this.options.startTimeoutMs ?? 120_000) / 1000)} s`),
        this.options.startTimeoutMs ?? 120_000,
      );
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onEarlyExit);
      };
      child.on('message', onMessage);
      child.once('exit', onEarlyExit);
    });
  }

  private onExit(child: ChildProcess): void {
    if (child !== this.child) return;
    this.options.onWorker?.(undefined);
    if (this.stopping || this.ready === undefined) return;
    // Exit while we expected it to serve (crash, OOM, killed from outside): start another, but
    // give up after three unexpected exits in a minute rather than loop.
    const ready = this.ready;
    void ready.then(
      () => {
        if (child !== this.child || this.stopping) return;
        const now = Date.now();
        this.crashes = this.crashes.filter((t) => now - t < 60_000);
        this.crashes.push(now);
        if (this.crashes.length <= 3) void this.restart();
        else {
          this.gaveUp = true;
          this.track(
            Promise.reject(
              new UnavailableError('the embedded database keeps stopping unexpectedly', {
                code: 'embedded_crashed',
                suggestion: 'Look for a damaged embedded folder or too little memory; restart mcpops.',
              }),
            ),
          );
        }
      },
      () => {},
    );
  }
}

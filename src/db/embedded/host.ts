import net from 'node:net';
import { isMcpopsError, UnavailableError } from '../../errors.js';
import { SessionBroker } from './broker.js';
import { acquireEmbeddedLock, type EmbeddedLock, embeddedLockHolder, embeddedOwner } from './lock.js';
import { EmbeddedProcess } from './process.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a process waits for a folder whose owner is going away before giving up. */
const TAKEOVER_WAIT_MS = 60_000;

/** Something accepts connections on the loopback port. */
export function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface Owned {
  lock: EmbeddedLock;
  worker: EmbeddedProcess;
  broker: SessionBroker;
  onExit: () => void;
}

/**
 * This process's way into an embedded folder: either it owns the folder (the lock, the database
 * worker and the session broker every connection goes through) or it is attached to the broker
 * of the process that does. An attached process takes the folder over when its owner is gone.
 */
export class EmbeddedHost {
  private owned?: Owned;
  private closed = false;
  /** The broker port of the last connection, for `url`. */
  lastPort = 0;

  constructor(readonly dir: string) {}

  /** This process owned the folder at some point (it may have closed since). */
  wasOwner = false;

  get isOwner(): boolean {
    return this.owned !== undefined;
  }

  get worker(): EmbeddedProcess | undefined {
    return this.owned?.worker;
  }

  /** Takes the folder when nobody serves it; false when a live process does. */
  tryOwn(): boolean {
    if (this.owned) return true;
    let lock: EmbeddedLock;
    try {
      lock = acquireEmbeddedLock(this.dir);
    } catch (error) {
      if (isMcpopsError(error) && error.code === 'embedded_in_use') return false;
      throw error;
    }
    const worker = new EmbeddedProcess({ dataDir: this.dir, onWorker: (pid) => lock.setWorkerPid(pid) });
    const broker = new SessionBroker({
      backendPort: () => worker.whenReady(),
      onAbandonedStatement: () => void worker.restart().catch(() => {}),
      dump: (onData) => worker.dump(onData),
    });
    const onExit = () => worker.signalExit();
    process.once('exit', onExit);
    this.owned = { lock, worker, broker, onExit };
    this.wasOwner = true;
    return true;
  }

  /** Starts the owned worker and broker, and tells other processes where to attach. */
  async startOwned(): Promise<void> {
    const owned = this.owned;
    if (!owned) throw new Error('startOwned without owning the folder');
    await owned.worker.start();
    owned.lock.setBrokerPort(await owned.broker.start());
  }

  /** The live owner's pid, when another process owns the folder. */
  ownerPid(): number | undefined {
    return this.owned ? process.pid : embeddedLockHolder(this.dir);
  }

  /** A backup copy is being taken: no statement runs, every client waits for it. */
  get dumping(): boolean {
    return this.owned?.broker.dumping ?? false;
  }

  /**
   * Ends a runaway statement: an owner restarts its worker; an attached process's broker does.
   * During a backup copy nothing runs (the statement only waited), so the copy is left alone.
   */
  restart(): Promise<unknown> {
    return this.owned && !this.dumping ? this.owned.worker.restart() : Promise.resolve();
  }

  /** The port to connect to: our broker, the owner's broker, or ours after taking the folder over. */
  async port(): Promise<number> {
    if (this.closed)
      throw new UnavailableError('the embedded database is closed', { code: 'embedded_closed' });
    if (this.owned) {
      await this.owned.worker.whenReady();
      this.lastPort = this.owned.broker.port;
      return this.lastPort;
    }
    const until = Date.now() + TAKEOVER_WAIT_MS;
    while (Date.now() < until) {
      const owner = embeddedOwner(this.dir);
      if (owner && (await reachable(owner.port))) {
        this.lastPort = owner.port;
        return owner.port;
      }
      if (!owner && this.tryOwn()) {
        await this.startOwned();
        return this.port();
      }
      await delay(100);
    }
    throw new UnavailableError(`the embedded database at ${this.dir} did not become available`, {
      code: 'embedded_in_use',
      suggestion: `Process ${embeddedLockHolder(this.dir) ?? '?'} holds the folder; stop it, or use another folder with --embedded-dir.`,
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const owned = this.owned;
    if (!owned) return;
    await owned.broker.close();
    await owned.worker.stop();
    process.off('exit', owned.onExit);
    owned.lock.release();
  }
}

import type pg from 'pg';
import type { DatabaseTarget } from '../config/database.js';
import type { Secret } from '../config/secret.js';
import type { ReadRouter } from './replica.js';

export interface Database {
  pool: pg.Pool;
  target: DatabaseTarget;
  /** How to connect (for pg_dump and friends). Printing it shows `***`. */
  url: Secret;
  /** Printable name: host, port, database, user; never a password. */
  where: string;
  embedded: boolean;
  /** Serve only: routes read-only store sessions to DATABASE_READ_URL when it is fit. */
  reads?: ReadRouter;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  max?: number;
  applicationName?: string;
  /** Server-side statement_timeout for every connection of this pool (one-shot tools). */
  statementTimeoutMs?: number;
  /** Check a connection works before returning (exit 69 / 78 with a fix if not). */
  probe?: boolean;
  /** Embedded only: progress of the first-start initialisation. */
  onProgress?: (message: string, done?: number, total?: number) => void;
  /**
   * Embedded only: builds a new folder's database on first start. The database layer does not
   * know what goes in it; opening a folder that needs building without one is an internal error.
   */
  initialise?: FirstStartBuilder;
  /**
   * Embedded only, Ctrl-C: a first start that has not finished stops, and the folder is emptied
   * again (nothing half-built is kept or served); one that finished is kept and reported as such.
   */
  signal?: AbortSignal;
}

export type FirstStartBuilder = (
  pool: pg.Pool,
  onProgress: (message: string, done?: number, total?: number) => void,
) => Promise<unknown>;

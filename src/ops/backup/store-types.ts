import type { Readable } from 'node:stream';

export interface StoredEntry {
  key: string;
  size: number;
  modified: Date;
}

/**
 * Where backups live. Keys are relative paths ("manifests/x.json", "objects/…"). `write` makes
 * an object visible only when it is complete (rename of a temp file; a committed block list).
 */
export interface BackupStore {
  /** Printable location, never a credential. */
  readonly where: string;
  write(key: string, source: Readable, signal?: AbortSignal): Promise<void>;
  read(key: string): Promise<Readable>;
  stat(key: string): Promise<StoredEntry | undefined>;
  list(prefix: string): Promise<StoredEntry[]>;
  remove(key: string): Promise<void>;
  writeText(key: string, text: string): Promise<void>;
  readText(key: string): Promise<string>;
  /**
   * Takes the lease `key` when it is free, or when its holder is provably gone (a dead process
   * on this host, or no heartbeat within `ttlMs`); otherwise says who holds it.
   */
  tryLease(key: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseAttempt>;
  /** Where readers report what they skipped (one line each, no credentials). */
  warn?: (message: string) => void;
}

export interface LeaseHolder {
  token: string;
  host: string;
  pid: number;
  since: string;
}

export interface HeldLease {
  /** The heartbeat; rejects when the lease was lost (taken over after a missed heartbeat). */
  renew(): Promise<void>;
  release(): Promise<void>;
}

export type LeaseAttempt = { held: HeldLease } | { busy: Partial<LeaseHolder> };

export type TargetSpec =
  | { kind: 'folder'; path: string }
  | { kind: 'azure'; container: string; prefix: string; accountUrl?: string };

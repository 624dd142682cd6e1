import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { InterruptedError, OperationError, UnavailableError } from '../../errors.js';
import type { BackupStore, HeldLease, LeaseHolder } from './store-types.js';

export const LEASE_KEY = 'lease';
/** A holder that misses heartbeats this long is taken for dead (Azure: 15–60 s). */
export const LEASE_TTL_MS = 30_000;

export interface BackupLease {
  /** Throws when the heartbeat found the lease taken over: nothing more may be written. */
  check(): void;
  release(): Promise<void>;
}

function describeHolder(holder: Partial<LeaseHolder>): string {
  const who = holder.host ? `${holder.host}${holder.pid ? ` pid ${holder.pid}` : ''}` : 'another run';
  return `${who}${holder.since ? ` since ${holder.since}` : ''}`;
}

/**
 * One writer per target: takes the target's lease, waiting up to `waitMs` for a running backup
 * to finish, and keeps it alive with a heartbeat until released.
 */
export async function acquireLease(
  store: BackupStore,
  options: { waitMs: number; ttlMs?: number; signal?: AbortSignal },
): Promise<BackupLease> {
  const ttlMs = options.ttlMs ?? LEASE_TTL_MS;
  const holder: LeaseHolder = {
    token: randomUUID(),
    host: hostname(),
    pid: process.pid,
    since: new Date().toISOString(),
  };
  const deadline = Date.now() + options.waitMs;
  let held: HeldLease | undefined;
  for (;;) {
    const attempt = await store.tryLease(LEASE_KEY, holder, ttlMs);
    if ('held' in attempt) {
      held = attempt.held;
      break;
    }
    if (Date.now() >= deadline) {
      throw new UnavailableError(
        `backup target ${store.where} is busy: a backup by ${describeHolder(attempt.busy)} holds its lease`,
        {
          code: 'backup_target_busy',
          suggestion:
            'Let that backup finish, or wait for it with --wait <seconds> (MCPOPS_BACKUP_LEASE_WAIT_SECONDS).',
        },
      );
    }
    try {
      await sleep(Math.min(1000 + Math.random() * 500, Math.max(50, deadline - Date.now())), undefined, {
        signal: options.signal,
      });
    } catch {
      throw new InterruptedError('backup interrupted while waiting for the target lease');
    }
  }
  let lost: unknown;
  const beat = setInterval(() => {
    held.renew().catch((error: unknown) => {
      lost ??= error;
    });
  }, ttlMs / 3);
  beat.unref();
  return {
    check() {
      if (lost === undefined) return;
      throw new OperationError(`backup lost the lease on ${store.where}: ${(lost as Error).message}`, {
        code: 'backup_lease_lost',
        suggestion: 'Another backup took the target over after a missed heartbeat; run the backup again.',
      });
    },
    async release() {
      clearInterval(beat);
      await held.release().catch(() => {});
    },
  };
}

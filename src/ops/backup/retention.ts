import { UsageError } from '../../errors.js';
import {
  type BackupManifest,
  liveRuns,
  MANIFEST_DIR,
  manifestKey,
  OBJECT_DIR,
  RUN_DIR,
  readCatalog,
  runIdOfObject,
} from './manifest.js';
import type { BackupStore } from './store-types.js';

/**
 * Removes objects no manifest references, left by runs that died (killed, power loss). The live
 * run markers are read before the manifests: a run that finishes in between is then seen by
 * its manifest, never taken for dead. Objects of a live run, or newer than `before`, stay; with
 * an unreadable manifest nothing is removed (it may reference any object).
 */
export async function cleanOrphans(
  store: BackupStore,
  known: BackupManifest[],
  before: Date,
): Promise<number> {
  const live = await liveRuns(store);
  const catalog = await readCatalog(store);
  if (catalog.skipped.length) return 0;
  const referenced = new Set([...known, ...catalog.manifests].flatMap((m) => m.objects.map((o) => o.key)));
  let removed = 0;
  for (const entry of await store.list(`${OBJECT_DIR}/`)) {
    if (referenced.has(entry.key)) continue;
    const run = runIdOfObject(entry.key);
    if (run && live.has(run)) continue;
    if (entry.modified.getTime() >= before.getTime()) continue;
    await store.remove(entry.key);
    removed++;
  }
  // A run killed while writing a manifest or marker leaves the temp file behind.
  for (const entry of [...(await store.list(`${MANIFEST_DIR}/`)), ...(await store.list(`${RUN_DIR}/`))]) {
    const id = TEMP_LEFTOVER.exec(entry.key)?.[1];
    if (!id || live.has(id) || entry.modified.getTime() >= before.getTime()) continue;
    await store.remove(entry.key);
  }
  return removed;
}

const TEMP_LEFTOVER = /^(?:manifests|runs)\/(.+)\.json\.tmp-[0-9a-f]+$/;

export interface RetentionPolicy {
  keepLast?: number;
  keepDays?: number;
}

export interface RetentionPlan {
  keep: string[];
  remove: string[];
  /** Objects only removed backups reference. */
  objects: string[];
  freedBytes: number;
}

export function validatePolicy(policy: RetentionPolicy): void {
  for (const [flag, value] of [
    ['--keep-last', policy.keepLast],
    ['--keep-days', policy.keepDays],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < (flag === '--keep-last' ? 1 : 0))) {
      throw new UsageError(
        `${flag} must be a ${flag === '--keep-last' ? 'positive' : 'non-negative'} number`,
        {
          code: 'usage',
          suggestion: `For example ${flag} ${flag === '--keep-last' ? 7 : 30}.`,
        },
      );
    }
  }
}

/**
 * Which backups go: those outside both windows (the newest N, and the last D days). With only
 * --keep-days the newest backup is always kept. Objects go only when no kept manifest uses them.
 */
export function planRetention(
  manifests: BackupManifest[],
  policy: RetentionPolicy,
  now = new Date(),
): RetentionPlan {
  const newestFirst = [...manifests].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const cutoff = policy.keepDays === undefined ? undefined : now.getTime() - policy.keepDays * 86_400_000;
  const keepLast = policy.keepLast ?? (policy.keepDays === undefined ? newestFirst.length : 1);
  const keep = newestFirst.filter(
    (m, index) => index < keepLast || (cutoff !== undefined && Date.parse(m.startedAt) >= cutoff),
  );
  const keepIds = new Set(keep.map((m) => m.id));
  const remove = newestFirst.filter((m) => !keepIds.has(m.id));
  const needed = new Set(keep.flatMap((m) => m.objects.map((o) => o.key)));
  const sizes = new Map<string, number>();
  for (const m of remove) for (const o of m.objects) if (!needed.has(o.key)) sizes.set(o.key, o.storedSize);
  return {
    keep: keep.map((m) => m.id),
    remove: remove.map((m) => m.id),
    objects: [...sizes.keys()],
    freedBytes: [...sizes.values()].reduce((a, b) => a + b, 0),
  };
}

/** Applies a plan: manifests first (the backup stops existing), then the objects only they used. */
export async function applyRetention(
  store: BackupStore,
  policy: RetentionPolicy,
  options: { dryRun?: boolean; now?: Date } = {},
): Promise<RetentionPlan & { dryRun: boolean }> {
  validatePolicy(policy);
  const catalog = await readCatalog(store);
  const plan = planRetention(catalog.manifests, policy, options.now);
  // An unreadable manifest may share objects with removed backups: those objects stay.
  if (catalog.skipped.length) {
    plan.objects = [];
    plan.freedBytes = 0;
  }
  if (!options.dryRun) {
    for (const id of plan.remove) await store.remove(manifestKey(id));
    for (const key of plan.objects) await store.remove(key);
  }
  return { ...plan, dryRun: Boolean(options.dryRun) };
}

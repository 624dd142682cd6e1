import { hostname } from 'node:os';
import { OperationError } from '../../errors.js';
import type { CompressionAlgorithm } from './codec.js';
import type { BackupStore } from './store-types.js';

export const MANIFEST_FORMAT = 'mcpops-backup/1';
export const MANIFEST_DIR = 'manifests';
export const OBJECT_DIR = 'objects';
export const RUN_DIR = 'runs';

export type BackupType = 'full' | 'incremental';
export type ObjectKind = 'pre-data' | 'post-data' | 'table-data' | 'embedded-datadir';

export interface ManifestObject {
  key: string;
  kind: ObjectKind;
  table?: string;
  /** What decides reuse: a hash of the table's content (taken in the snapshot) or of the schema text. */
  fingerprint: string;
  plainSize: number;
  plainSha256: string;
  storedSize: number;
  storedSha256: string;
  compression: CompressionAlgorithm;
  /** Key fingerprint for encrypted objects; null when stored in the clear. */
  keyId: string | null;
  /** The backup that uploaded the object (this one, or an earlier one it reuses). */
  uploadedBy: string;
}

export interface ManifestTable {
  name: string;
  rows: number;
  object: string;
}

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  id: string;
  type: BackupType;
  engine: 'server' | 'embedded';
  database: string;
  startedAt: string;
  finishedAt: string;
  serverVersion: string;
  serverMajor: number;
  pgDumpVersion?: string;
  previous: string | null;
  compression: { algorithm: CompressionAlgorithm; level?: number };
  encryption: { algorithm: 'aes-256-gcm'; keyId: string; frameBytes: number } | null;
  objects: ManifestObject[];
  tables: ManifestTable[];
  totals: { plainBytes: number; storedBytes: number; uploadedBytes: number; uploadedObjects: number };
  /** Set when the snapshot was taken on a read replica (`backup --from-replica`): its replay lag then. */
  source?: { from: 'replica'; where: string; lagSeconds: number };
}

const ID_PATTERN = /^zava_backup_(full|incremental)_(\d{8}_\d{6})(?:_(\d+))?$/;

/** zava_backup_{full|incremental}_{YYYYmmdd_HHMMSS} (UTC), as the reference names them. */
export function backupId(type: BackupType, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return `zava_backup_${type}_${stamp}`;
}

export function isBackupId(id: string): boolean {
  return ID_PATTERN.test(id);
}

export function manifestKey(id: string): string {
  return `${MANIFEST_DIR}/${id}.json`;
}

/** Run id of an object key `objects/<runId>/<label>.<ext>` (also for temp leftovers). */
export function runIdOfObject(key: string): string | undefined {
  return /^objects\/(zava_backup_[a-z]+_\d{8}_\d{6}(?:_\d+)?)\//.exec(key)?.[1];
}

export async function readManifest(store: BackupStore, id: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await store.readText(manifestKey(id));
  } catch (error) {
    throw new OperationError(`backup ${id} was not found at ${store.where}`, {
      code: 'backup_not_found',
      suggestion: 'List the backups with `mcpops backup list --target …`.',
      cause: error,
    });
  }
  return parseManifest(text, id);
}

/** A manifest's text, checked for the fields every reader relies on. */
export function parseManifest(text: string, id: string): BackupManifest {
  const invalid = (reason: string) =>
    new OperationError(`backup ${id} has an unreadable manifest (${reason})`, {
      code: 'backup_manifest_invalid',
      suggestion: `Restore another backup; move ${manifestKey(id)} away once nothing needs it.`,
    });
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch {
    throw invalid('not JSON');
  }
  if (manifest?.format !== MANIFEST_FORMAT) {
    throw new OperationError(`backup ${id} has an unknown manifest format ${String(manifest?.format)}`, {
      code: 'backup_manifest_invalid',
      suggestion: 'Use the mcpops version that made it.',
    });
  }
  if (manifest.id !== id) throw invalid(`it names backup ${String(manifest.id)}`);
  if (typeof manifest.startedAt !== 'string' || Number.isNaN(Date.parse(manifest.startedAt)))
    throw invalid('no start time');
  if (!Array.isArray(manifest.objects) || !Array.isArray(manifest.tables) || !manifest.totals)
    throw invalid('no object list');
  for (const object of manifest.objects) {
    if (typeof object?.key !== 'string' || !object.key.startsWith(`${OBJECT_DIR}/`))
      throw invalid('an object without a key');
  }
  return manifest;
}

export interface Catalog {
  /** Every readable complete backup, oldest first. */
  manifests: BackupManifest[];
  /** Manifest files that could not be read, with the reason; skipped by every reader. */
  skipped: Array<{ key: string; reason: string }>;
}

/**
 * Every backup with a manifest. One unreadable manifest (damaged, half-copied, another
 * format) is skipped with a warning naming the file, so it cannot block lists, new backups,
 * retention or restores of the others.
 */
export async function readCatalog(store: BackupStore): Promise<Catalog> {
  const entries = await store.list(`${MANIFEST_DIR}/`);
  const ids = entries
    .map((entry) => /^manifests\/(.+)\.json$/.exec(entry.key)?.[1])
    .filter((id): id is string => Boolean(id && isBackupId(id)));
  const manifests: BackupManifest[] = [];
  const skipped: Catalog['skipped'] = [];
  await Promise.all(
    ids.map(async (id) => {
      try {
        manifests.push(parseManifest(await store.readText(manifestKey(id)), id));
      } catch (error) {
        // Gone between list and read: removed by retention, not damaged.
        if (!(await store.stat(manifestKey(id)).catch(() => true))) return;
        const reason = (error as Error).message.replace(/^backup \S+ (has )?/, '');
        skipped.push({ key: manifestKey(id), reason });
        store.warn?.(`skipped ${store.where}/${manifestKey(id)}: ${reason}`);
      }
    }),
  );
  manifests.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  return { manifests, skipped };
}

/** Every readable complete backup (one with a manifest), oldest first. */
export async function listManifests(store: BackupStore): Promise<BackupManifest[]> {
  return (await readCatalog(store)).manifests;
}

export async function resolveBackup(store: BackupStore, id: string): Promise<BackupManifest> {
  if (id !== 'latest') return readManifest(store, id);
  const all = await listManifests(store);
  const latest = all.at(-1);
  if (!latest) {
    throw new OperationError(`no backups at ${store.where}`, {
      code: 'backup_not_found',
      suggestion: 'Check --target / --from, or make one with `mcpops backup`.',
    });
  }
  return latest;
}

export interface RunMarker {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
}

export async function writeRunMarker(store: BackupStore, id: string, startedAt: Date): Promise<void> {
  const marker: RunMarker = { id, host: hostname(), pid: process.pid, startedAt: startedAt.toISOString() };
  await store.writeText(`${RUN_DIR}/${id}.json`, JSON.stringify(marker));
}

export async function removeRunMarker(store: BackupStore, id: string): Promise<void> {
  await store.remove(`${RUN_DIR}/${id}.json`);
}

const STALE_MS = 24 * 3600_000;

/** A process on this host that is still running (EPERM: it runs under another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs still in progress: a marker from a live process here, or from elsewhere within a day. */
export async function liveRuns(store: BackupStore, now = Date.now()): Promise<Set<string>> {
  const live = new Set<string>();
  for (const entry of await store.list(`${RUN_DIR}/`)) {
    try {
      const marker = JSON.parse(await store.readText(entry.key)) as RunMarker;
      const fresh = now - Date.parse(marker.startedAt) < STALE_MS;
      const alive = marker.host === hostname() ? pidAlive(marker.pid) : fresh;
      if (alive && fresh) live.add(marker.id);
      else await store.remove(entry.key);
    } catch {
      // a marker being written right now; leave it
    }
  }
  return live;
}

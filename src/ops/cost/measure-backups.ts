import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import { readCatalog } from '../backup/manifest.js';
import { openStore, parseTarget } from '../backup/store.js';

export interface BackupSample {
  name: string;
  kind: 'full' | 'incremental';
  bytes: number;
  takenAt?: Date;
}

export interface BackupMeasurement {
  /** How the sizes were found: manifests, backup files by name, or the folder's total size. */
  method: 'manifests' | 'files' | 'folder-total';
  backups: BackupSample[];
  totalBytes: number;
  fullAvgBytes?: number;
  incrementalAvgBytes?: number;
  /** Per day, from the span between the oldest and newest backup (at least one day of history). */
  fullsPerDay?: number;
  incrementalsPerDay?: number;
  note: string;
}

const NAME = /zava_backup_(full|incremental)_(\d{8})_(\d{6})/;

function timeFromName(name: string): Date | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const [d, t] = [m[2], m[3]];
  return new Date(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}Z`,
  );
}

/**
 * Size of one backup from its manifest. The backup module owns the format; we read the fields a
 * manifest of any version is expected to carry (a total, or per-object sizes) and ignore the rest.
 */
function manifestBytes(doc: any): number | undefined {
  // mcpops-backup/1: uploadedBytes is what this backup added to the store (objects it reuses
  // from an earlier backup are already counted there), which is what storage is billed on.
  const totals = doc?.totals;
  if (typeof totals?.uploadedBytes === 'number') return totals.uploadedBytes;
  if (typeof totals?.storedBytes === 'number') return totals.storedBytes;
  for (const key of ['totalBytes', 'sizeBytes', 'bytes', 'size', 'compressedBytes', 'storedBytes']) {
    if (typeof doc?.[key] === 'number') return doc[key];
  }
  const objects = Array.isArray(doc?.objects)
    ? doc.objects
    : Array.isArray(doc?.files)
      ? doc.files
      : undefined;
  if (!objects) return undefined;
  return objects.reduce((sum: number, o: any) => {
    const size = o?.storedBytes ?? o?.compressedBytes ?? o?.bytes ?? o?.size ?? 0;
    return sum + (typeof size === 'number' ? size : 0);
  }, 0);
}

async function listFiles(
  dir: string,
  depth = 0,
): Promise<Array<{ path: string; name: string; bytes: number }>> {
  const out: Array<{ path: string; name: string; bytes: number }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && depth < 3) out.push(...(await listFiles(path, depth + 1)));
    else if (entry.isFile()) out.push({ path, name: entry.name, bytes: (await stat(path)).size });
  }
  return out;
}

function summarise(
  method: BackupMeasurement['method'],
  backups: BackupSample[],
  note: string,
): BackupMeasurement {
  const avg = (list: BackupSample[]) =>
    list.length ? list.reduce((sum, b) => sum + b.bytes, 0) / list.length : undefined;
  const fulls = backups.filter((b) => b.kind === 'full');
  const incs = backups.filter((b) => b.kind === 'incremental');
  const times = backups.flatMap((b) => (b.takenAt ? [b.takenAt.getTime()] : [])).sort((a, b) => a - b);
  const spanDays = times.length > 1 ? (times.at(-1)! - times[0]) / 86_400_000 : 0;
  // Frequencies from under a day of history would be guesses; the schedule default stays.
  const perDay = spanDays >= 1 ? (n: number) => n / spanDays : () => undefined;
  return {
    method,
    backups,
    totalBytes: backups.reduce((sum, b) => sum + b.bytes, 0),
    fullAvgBytes: avg(fulls),
    incrementalAvgBytes: avg(incs),
    fullsPerDay: fulls.length ? perDay(fulls.length) : undefined,
    incrementalsPerDay: incs.length ? perDay(incs.length) : undefined,
    note,
  };
}

/**
 * Measures the backups at a backup target (a folder or Blob Storage) through the backup
 * module's own storage: target parsing, credentials and manifests as backup reads them. A
 * folder without mcpops manifests falls back to its files.
 */
export async function measureBackupTarget(target: string, config: Config): Promise<BackupMeasurement> {
  const spec = parseTarget(target, config);
  if (spec.kind === 'folder') {
    const store = await openStore(spec, config).catch(() => undefined);
    const manifests = store ? (await readCatalog(store)).manifests : [];
    if (!manifests.length) return measureBackupFolder(spec.path);
    return fromManifests(manifests, store!.where);
  }
  const store = await openStore(spec, config);
  return fromManifests((await readCatalog(store)).manifests, store.where);
}

function fromManifests(
  manifests: Awaited<ReturnType<typeof readCatalog>>['manifests'],
  where: string,
): BackupMeasurement {
  const samples = manifests.map((m) => ({
    name: m.id,
    kind: m.type,
    bytes: m.totals.uploadedBytes,
    takenAt: new Date(m.startedAt),
  }));
  return summarise('manifests', samples, `${samples.length} backup manifests at ${where}`);
}

/**
 * Measures the backups in a folder target: from manifests (zava_backup_*.json, also under
 * manifests/), else from backup files named zava_backup_{full|incremental}_…, else the folder's
 * total size counted as one full backup (said so in the note).
 */
export async function measureBackupFolder(dir: string): Promise<BackupMeasurement> {
  let files: Awaited<ReturnType<typeof listFiles>>;
  try {
    files = await listFiles(dir);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`backup folder ${dir} cannot be read (${reason})`, {
      code: 'backup_folder_unreadable',
      suggestion: 'Point MCPOPS_BACKUP_TARGET (or --backup-dir) at the folder backups are written to.',
    });
  }
  const manifests: BackupSample[] = [];
  for (const file of files.filter((f) => /^zava_backup_.*\.json$/.test(f.name))) {
    let doc: any;
    try {
      doc = JSON.parse(await readFile(file.path, 'utf8'));
    } catch {
      continue;
    }
    const bytes = manifestBytes(doc);
    if (bytes === undefined) continue;
    const kindText = String(doc.kind ?? doc.type ?? NAME.exec(file.name)?.[1] ?? 'full');
    const when = doc.createdAt ?? doc.finishedAt ?? doc.startedAt ?? doc.timestamp;
    manifests.push({
      name: file.name,
      kind: kindText.startsWith('incr') ? 'incremental' : 'full',
      bytes,
      takenAt: when ? new Date(when) : timeFromName(file.name),
    });
  }
  if (manifests.length) return summarise('manifests', manifests, `${manifests.length} backup manifests`);

  const named = files.filter((f) => NAME.test(f.name));
  if (named.length) {
    const samples = named.map((f) => ({
      name: f.name,
      kind: NAME.exec(f.name)![1] as BackupSample['kind'],
      bytes: f.bytes,
      takenAt: timeFromName(f.name),
    }));
    return summarise('files', samples, `${samples.length} backup files by name (no manifests found)`);
  }
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  return summarise(
    'folder-total',
    total > 0 ? [{ name: dir, kind: 'full', bytes: total }] : [],
    `no manifests or named backups: the folder's total size (${files.length} files) counted as one full backup`,
  );
}

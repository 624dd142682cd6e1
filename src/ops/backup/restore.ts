import type { Secret } from '../../config/secret.js';
import { ConfigError, InterruptedError, McpopsError, OperationError, UsageError } from '../../errors.js';
import type { BackupKey } from './crypto.js';
import type { BackupManifest, ManifestObject } from './manifest.js';
import { findPgTools, libpqEnv } from './pg-tools.js';
import { planRestore } from './post-data.js';
import { type LoadContext, loadDatabase, reloadTables } from './restore-load.js';
import { assertBypassesRowSecurity, assertNoOpenTables } from './restore-security.js';
import { type RestoreTableCheck, readPlain } from './restore-steps.js';
import { completeMark, describe, incompleteMark, isEmpty, withDatabase } from './restore-target.js';
import { connect } from './snapshot.js';
import { stopSwitch } from './stop-switch.js';
import type { BackupStore } from './store-types.js';
import { keyFor, verifyBackup } from './verify.js';

export interface RestoreOptions {
  store: BackupStore;
  manifest: BackupManifest;
  key?: BackupKey;
  /** The configured server, used for the default target `<db>_restored_<timestamp>`. */
  sourceUrl?: Secret;
  targetUrl?: Secret;
  create?: boolean;
  clean?: boolean;
  tables?: string[];
  jobs: number;
  pgBin?: string;
  signal?: AbortSignal;
  /** Asked before a non-empty database is overwritten; false stops the restore. */
  confirm: (message: string) => Promise<boolean>;
  onProgress?: (progress: {
    step: 'verify' | 'restore';
    table?: string;
    bytes: number;
    totalBytes: number;
  }) => void;
}

export type { RestoreTableCheck };

export interface RestoreReport {
  id: string;
  target: string;
  database: string;
  created: boolean;
  ok: boolean;
  tables: RestoreTableCheck[];
  warnings: string[];
  restoredBytes: number;
  durationMs: number;
}

export function restoreStamp(at = new Date()): string {
  return at.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}

/** The objects a restore needs: schema before and after, and the data of the chosen tables. */
export function selectObjects(manifest: BackupManifest, tables?: string[]): ManifestObject[] {
  const byKey = new Map(manifest.objects.map((o) => [o.key, o]));
  let chosen = manifest.tables;
  if (tables?.length) {
    const names = new Set(manifest.tables.map((t) => t.name));
    const wanted = tables.map((t) => (t.includes('.') ? t : `public.${t}`));
    const unknown = wanted.filter((t) => !names.has(t));
    if (unknown.length) {
      throw new UsageError(`backup ${manifest.id} has no table ${unknown.join(', ')}`, {
        code: 'restore_table_unknown',
        suggestion: `Pick from: ${[...names].join(', ')} (see \`mcpops restore ${manifest.id} --list\`).`,
      });
    }
    chosen = manifest.tables.filter((t) => wanted.includes(t.name));
  }
  const schema = manifest.objects.filter((o) => o.kind === 'pre-data' || o.kind === 'post-data');
  return [...schema, ...chosen.map((t) => byKey.get(t.object) as ManifestObject)];
}

function withNote(error: McpopsError, note: string): McpopsError {
  return new McpopsError(`${error.message}; ${note}`, {
    code: error.code,
    exitCode: error.exitCode,
    suggestion: error.suggestion,
    cause: error,
  });
}

/**
 * Restores a server backup: checks the key, the tool and server versions and every object
 * BEFORE touching the target. Then, so that no row is ever readable without its policies:
 * the schema with row security enabled and forced and the policies created (one
 * transaction), the rows (one transaction per table), indexes and constraints, and only
 * then the grants. Finally compares row counts with the manifest.
 */
export async function restoreServer(options: RestoreOptions): Promise<RestoreReport> {
  const started = Date.now();
  const { manifest, store } = options;
  if (manifest.engine !== 'server') {
    throw new UsageError(`backup ${manifest.id} is of the embedded database`, {
      code: 'restore_engine',
      suggestion: 'Restore it with --target-dir (embedded), not into a server database.',
    });
  }
  const key = keyFor(manifest, options.key);
  const objects = selectObjects(manifest, options.tables);
  const base = options.targetUrl ?? options.sourceUrl;
  if (!base) {
    throw new ConfigError('no database to restore into', {
      code: 'restore_target_missing',
      suggestion:
        'Pass --target postgres://…/name, or configure DATABASE_URL for the default <db>_restored_<timestamp>.',
    });
  }
  const targetUrl =
    options.targetUrl ?? withDatabase(base, `${manifest.database}_restored_${restoreStamp()}`.slice(0, 63));
  const create = options.create || !options.targetUrl;
  const target = describe(targetUrl);
  const interrupted = () => {
    if (options.signal?.aborted) throw new InterruptedError('restore interrupted; nothing was changed');
  };
  const admin = await connect(withDatabase(targetUrl, 'postgres'), target.where);
  let created = false;
  /** The target is being filled in place: a failure leaves it without grants, marked unfinished. */
  let incomplete = false;
  let reloading = false;
  // One failure (or Ctrl-C) stops every job: their psql children are ended, not left waiting.
  const stop = stopSwitch(options.signal, () => new InterruptedError('restore interrupted'));
  /** What the check of every stored byte found wrong: it names them all, so it is the error to report. */
  let corrupt: OperationError | undefined;
  let checked: Promise<void> | undefined;
  const job = <T>(work: () => Promise<T>): Promise<T> => stop.guard(work());
  try {
    const versionRow = await admin.query<{ n: string }>("SELECT current_setting('server_version_num') AS n");
    const targetMajor = Math.floor(Number(versionRow.rows[0].n) / 10000);
    if (targetMajor < manifest.serverMajor) {
      throw new ConfigError(
        `backup ${manifest.id} comes from PostgreSQL ${manifest.serverVersion}; the target runs ${targetMajor}, which is older`,
        {
          code: 'restore_version_mismatch',
          suggestion: `Restore into a PostgreSQL ${manifest.serverMajor} (or newer) server.`,
        },
      );
    }
    const dumpMajor = Number((manifest.pgDumpVersion ?? '0').split('.')[0]);
    const tools = await findPgTools(Math.max(targetMajor, dumpMajor), options.pgBin);

    const storedTotal = objects.reduce((s, o) => s + o.storedSize, 0);
    let totalBytes = objects.reduce((s, o) => s + o.plainSize, 0);
    let bytes = 0;
    /** Reads every stored byte against the manifest's SHA-256; throws naming the first bad object. */
    const checkObjects = async (onBytes?: (delta: number) => void): Promise<void> => {
      const verified = await verifyBackup(store, manifest, key, {
        objects,
        decode: false,
        jobs: options.jobs,
        onBytes,
        signal: stop.signal,
      });
      const bad = verified.objects.filter((o) => !o.ok);
      if (bad.length) {
        corrupt = new OperationError(
          `verify: ${bad.length} object(s) failed, nothing was restored: ${bad[0].problem}`,
          {
            code: 'backup_object_corrupt',
            suggestion:
              'Restore another backup (`mcpops backup list`), or run `mcpops backup verify` for the full list.',
          },
        );
        throw corrupt;
      }
    };
    interrupted();
    const pre = objects.find((o) => o.kind === 'pre-data') as ManifestObject;
    const post = objects.find((o) => o.kind === 'post-data') as ManifestObject;
    const data = objects.filter((o) => o.kind === 'table-data');
    const plan = planRestore(
      (await readPlain(store, pre, key)).toString('utf8'),
      (await readPlain(store, post, key)).toString('utf8'),
    );
    if (plan.hasRowSecurity) await assertBypassesRowSecurity(admin, manifest.id);
    interrupted();

    const exists =
      (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [target.database])).rowCount === 1;
    if (!exists && !create) {
      throw new UsageError(`target database ${target.database} does not exist`, {
        code: 'restore_target_missing',
        suggestion: 'Pass --create to create it.',
      });
    }
    // Into an existing database, every stored byte is checked before anything there is touched.
    // A database this run creates is dropped on any failure, and each object's hash is checked
    // again as it loads, before its table commits: there the check runs beside the load (a bad
    // object still stops the restore within the time the check takes) instead of ahead of it.
    if (exists) {
      await checkObjects((delta) => {
        bytes += delta;
        options.onProgress?.({ step: 'verify', bytes, totalBytes: storedTotal });
      });
      interrupted();
    }
    const subset = Boolean(options.tables?.length);
    let dataOnly = false;
    if (!exists) {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(target.database)}`);
      created = true;
      checked = job(() => checkObjects());
      checked.catch(() => {});
    } else {
      const probe = await connect(targetUrl, target.where);
      const empty = await isEmpty(probe).finally(() => probe.end().catch(() => {}));
      if (!empty) {
        const ok = await options.confirm(
          subset
            ? `${target.database} is not empty: empty the tables ${options.tables?.join(', ')} and load them from ${manifest.id}?`
            : `${target.database} is not empty: drop and re-create it from ${manifest.id}?`,
        );
        if (!ok)
          throw new UsageError('restore cancelled; nothing was changed', { code: 'restore_cancelled' });
        interrupted();
        if (subset) dataOnly = true;
        else {
          await admin.query(`DROP DATABASE ${admin.escapeIdentifier(target.database)} WITH (FORCE)`);
          await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(target.database)}`);
          incomplete = true;
        }
      }
    }
    if (!dataOnly) await admin.query(incompleteMark(admin, target.database, manifest.id));

    bytes = 0;
    const env = libpqEnv(targetUrl);
    const onBytes = (object: ManifestObject, delta: number) => {
      bytes += delta;
      options.onProgress?.({ step: 'restore', table: object.table, bytes, totalBytes });
    };
    const ctx: LoadContext = {
      store,
      key,
      tools,
      env,
      jobs: options.jobs,
      signal: stop.signal,
      job,
      onBytes,
      connectTarget: () => connect(targetUrl, target.where),
    };
    let copied: number[];
    const warnings: string[] = [];
    if (dataOnly) {
      totalBytes = data.reduce((s, o) => s + o.plainSize, 0);
      reloading = true;
      copied = await reloadTables(ctx, data);
    } else {
      incomplete ||= !created;
      const loaded = await loadDatabase(ctx, plan, data, {
        subset,
        checkPosture: (client) => assertNoOpenTables(client, manifest.id, target.database),
        finish: completeMark(admin, target.database),
      });
      copied = loaded.copied;
      warnings.push(...loaded.warnings);
    }
    await checked;

    // Rows each table received (psql prints the server's COPY command tags) against the rows the backup counted in its snapshot.
    const tables: RestoreTableCheck[] = data.map((object, i) => {
      const expected =
        manifest.tables.find((t) => t.object === object.key && t.name === object.table)?.rows ?? -1;
      return { name: object.table as string, expected, actual: copied[i], ok: copied[i] === expected };
    });
    return {
      id: manifest.id,
      target: target.where,
      database: target.database,
      created,
      ok: tables.every((t) => t.ok),
      tables,
      warnings,
      restoredBytes: bytes,
      durationMs: Date.now() - started,
    };
  } catch (caught) {
    stop.stop(caught);
    await checked?.catch(() => {});
    if (created) {
      await admin
        .query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(target.database)} WITH (FORCE)`)
        .catch(() => {});
    }
    const left = created
      ? `${target.database} was dropped`
      : incomplete
        ? `${target.database} is left incomplete and without grants (its comment says so); restore again`
        : reloading
          ? `the tables keep the rows they had`
          : '';
    if (options.signal?.aborted) {
      throw new InterruptedError(`restore interrupted${left ? `; ${left}` : '; nothing was changed'}`);
    }
    const error = corrupt ?? stop.cause ?? caught;
    const known =
      error instanceof McpopsError
        ? error
        : new OperationError(`restore: ${(error as Error).message}`, {
            code: 'restore_failed',
            cause: error,
          });
    throw left && !created ? withNote(known, left) : known;
  } finally {
    stop.release();
    await admin.end().catch(() => {});
  }
}

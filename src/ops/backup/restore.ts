import type pg from 'pg';
import { Secret } from '../../config/secret.js';
import { ConfigError, McpopsError, OperationError, UsageError } from '../../errors.js';
import type { BackupKey } from './crypto.js';
import type { BackupManifest, ManifestObject } from './manifest.js';
import { findPgTools, libpqEnv } from './pg-tools.js';
import { splitPostData } from './post-data.js';
import {
  POST_DATA_SPLIT_LIMIT,
  type RestoreTableCheck,
  readPlain,
  runSql,
  streamInto,
} from './restore-steps.js';
import { connect } from './snapshot.js';
import type { BackupStore } from './store.js';
import { mapLimit } from './util.js';
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

function withDatabase(url: Secret, database: string): Secret {
  const parsed = new URL(url.reveal());
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return new Secret(parsed.toString());
}

function describe(url: Secret): { where: string; database: string } {
  const parsed = new URL(url.reveal());
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return {
    where: `postgres://${parsed.username ? `${decodeURIComponent(parsed.username)}@` : ''}${parsed.hostname}:${parsed.port || 5432}/${database}`,
    database,
  };
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

async function isEmpty(client: pg.Client): Promise<boolean> {
  const result = await client.query(
    "SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p','v','m','S','f') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'",
  );
  return result.rows[0].n === 0;
}

/**
 * Restores a server backup: checks the key, the tool and server versions and every object
 * BEFORE touching the target, then schema, table data in parallel, indexes and constraints,
 * and finally compares row counts with the manifest.
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
  const admin = await connect(withDatabase(targetUrl, 'postgres'), target.where);
  let created = false;
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
    const report = verifyBackup(store, manifest, key, {
      objects,
      decode: false,
      jobs: options.jobs,
      onBytes: (delta) => {
        bytes += delta;
        options.onProgress?.({ step: 'verify', bytes, totalBytes: storedTotal });
      },
    });
    const verified = await report;
    const bad = verified.objects.filter((o) => !o.ok);
    if (bad.length) {
      throw new OperationError(
        `verify: ${bad.length} object(s) failed, nothing was restored: ${bad[0].problem}`,
        {
          code: 'backup_object_corrupt',
          suggestion:
            'Restore another backup (`mcpops backup list`), or run `mcpops backup verify` for the full list.',
        },
      );
    }

    const exists =
      (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [target.database])).rowCount === 1;
    let dataOnly = false;
    if (!exists) {
      if (!create) {
        throw new UsageError(`target database ${target.database} does not exist`, {
          code: 'restore_target_missing',
          suggestion: 'Pass --create to create it.',
        });
      }
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(target.database)}`);
      created = true;
    } else {
      const probe = await connect(targetUrl, target.where);
      const empty = await isEmpty(probe).finally(() => probe.end().catch(() => {}));
      if (!empty) {
        const subset = Boolean(options.tables?.length);
        const ok = await options.confirm(
          subset
            ? `${target.database} is not empty: empty the tables ${options.tables?.join(', ')} and load them from ${manifest.id}?`
            : `${target.database} is not empty: drop and re-create it from ${manifest.id}?`,
        );
        if (!ok)
          throw new UsageError('restore cancelled; nothing was changed', { code: 'restore_cancelled' });
        if (subset) dataOnly = true;
        else {
          await admin.query(`DROP DATABASE ${admin.escapeIdentifier(target.database)} WITH (FORCE)`);
          await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(target.database)}`);
        }
      }
    }

    bytes = 0;
    const env = libpqEnv(targetUrl);
    const onBytes = (table?: string) => (delta: number) => {
      bytes += delta;
      options.onProgress?.({ step: 'restore', table, bytes, totalBytes });
    };
    const warnings: string[] = [];
    const subset = Boolean(options.tables?.length);
    const run = (object: ManifestObject, stopOnError = true) =>
      streamInto(store, object, key, tools, env, {
        stopOnError,
        signal: options.signal,
        onBytes: onBytes(object.table),
      });
    const restorePostData = async (object: ManifestObject, stopOnError: boolean): Promise<string[]> => {
      if (object.plainSize > POST_DATA_SPLIT_LIMIT) return (await run(object, stopOnError)).errors;
      const text = (await readPlain(store, object, key)).toString('utf8');
      const plan = splitPostData(text);
      const workers = Array.from({ length: Math.max(1, options.jobs) });
      const step = (what: string) => `restore (post-data ${what})`;
      // No single transaction here: parallel sessions holding locks across statements could deadlock.
      const out = await mapLimit(plan.parallel, workers, (sql) =>
        runSql(tools, env, sql, {
          step: step('indexes'),
          stopOnError,
          transaction: false,
          signal: options.signal,
        }),
      );
      out.push(
        await runSql(tools, env, plan.serial, {
          step: step('constraints'),
          stopOnError,
          transaction: stopOnError,
          signal: options.signal,
        }),
      );
      return out.flat();
    };
    const pre = objects.find((o) => o.kind === 'pre-data') as ManifestObject;
    const post = objects.find((o) => o.kind === 'post-data') as ManifestObject;
    const data = objects.filter((o) => o.kind === 'table-data');
    if (dataOnly) {
      totalBytes = data.reduce((s, o) => s + o.plainSize, 0);
      const client = await connect(targetUrl, target.where);
      try {
        const names = data.map((o) =>
          (o.table as string)
            .split('.')
            .map((p) => client.escapeIdentifier(p))
            .join('.'),
        );
        await client.query(`TRUNCATE ${names.join(', ')}`);
      } finally {
        await client.end().catch(() => {});
      }
    } else await run(pre);
    const loaded = await mapLimit(data, Array.from({ length: Math.max(1, options.jobs) }), (object) =>
      run(object),
    );
    if (!dataOnly) warnings.push(...(await restorePostData(post, !subset)));

    // Rows each table received (psql prints the server's COPY command tags) against the rows the backup counted in its snapshot.
    const tables: RestoreTableCheck[] = data.map((object, i) => {
      const expected =
        manifest.tables.find((t) => t.object === object.key && t.name === object.table)?.rows ?? -1;
      return {
        name: object.table as string,
        expected,
        actual: loaded[i].copied,
        ok: loaded[i].copied === expected,
      };
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
  } catch (error) {
    if (created) {
      await admin
        .query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(target.database)} WITH (FORCE)`)
        .catch(() => {});
    }
    throw error instanceof McpopsError
      ? error
      : new OperationError(`restore: ${(error as Error).message}`, { code: 'restore_failed', cause: error });
  } finally {
    await admin.end().catch(() => {});
  }
}

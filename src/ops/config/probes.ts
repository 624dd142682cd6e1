import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeDatabaseTarget, resolveDatabaseTarget } from '../../config/database.js';
import type { Finding } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { classifyDbError } from '../../db/errors.js';
import { judgeServePosture } from '../../db/posture.js';
import { probeReadReplica } from '../../db/replica-probe.js';
import { openDatabase } from '../bootstrap/open.js';

export interface ProbeResult {
  name: string;
  ok: boolean;
  detail: string;
  findings: Finding[];
  /** True when the probe failed because a service could not be reached (exit 69). */
  unreachable?: boolean;
}

const run = promisify(execFile);

/** Logs in to the configured database and judges the login and reader roles' posture. */
export async function probeDatabase(config: Config): Promise<ProbeResult> {
  const target = resolveDatabaseTarget(config);
  if (target.kind === 'embedded') {
    const present = existsSync(target.dir);
    return {
      name: 'database',
      ok: true,
      detail: `${describeDatabaseTarget(target)} (${present ? 'present' : 'created with sample data on first start'})`,
      findings: [],
    };
  }
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase(config, { max: 1 });
  } catch (error) {
    const classified = classifyDbError(error);
    return {
      name: 'database',
      ok: false,
      detail: classified.message,
      unreachable: classified.exitCode === 69,
      findings: [
        {
          level: 'error',
          setting: 'databaseUrl',
          message: classified.message,
          fix: classified.suggestion ?? '',
        },
      ],
    };
  }
  try {
    const client = await db.pool.connect();
    try {
      const { rows } = await client.query('SELECT version() AS version');
      const { login, reader, findings: judged } = await judgeServePosture(client, config.serveRole);
      const strict: Finding['level'] = config.profile === 'prod' ? 'error' : 'warning';
      const findings: Finding[] = judged.map((f) => ({
        level: f.level === 'error' ? strict : f.level,
        setting: f.subject === 'login' ? 'databaseUrl' : 'serveRole',
        message: f.message,
        fix: f.fix,
      }));
      const posture = `login ${login?.role}${login?.superuser ? ' (superuser)' : ''}${login?.bypassRls ? ' (BYPASSRLS)' : ''}; reader ${reader.role}${reader.exists ? '' : ' (missing)'}`;
      return {
        name: 'database',
        ok: true,
        detail: `${db.where}: ${String(rows[0].version).split(',')[0]}; ${posture}`,
        findings,
      };
    } finally {
      client.release();
    }
  } finally {
    await db.close();
  }
}

/** pg_dump must exist for backups of a server; its version is reported. */
export async function probePgDump(config: Config): Promise<ProbeResult> {
  const binary = config.pgBin ? join(config.pgBin, 'pg_dump') : 'pg_dump';
  try {
    const { stdout } = await run(binary, ['--version'], { timeout: 5000 });
    return { name: 'pg_dump', ok: true, detail: stdout.trim(), findings: [] };
  } catch {
    return {
      name: 'pg_dump',
      ok: false,
      detail: `${binary} not found`,
      findings: [
        {
          level: 'warning',
          setting: 'pgBin',
          message: `${binary} was not found; backups of a PostgreSQL server need it`,
          fix: 'Install the PostgreSQL client (e.g. apt-get install postgresql-client) or set MCPOPS_PG_BIN.',
        },
      ],
    };
  }
}

/** DATABASE_READ_URL, when set: reachable, a standby, within the lag limit, same schema version. */
export async function probeReplica(config: Config): Promise<ProbeResult[]> {
  if (!config.readReplicaUrl) return [];
  const target = resolveDatabaseTarget(config);
  const primary =
    target.kind === 'server'
      ? await openDatabase(config, { max: 1, probe: false }).catch(() => undefined)
      : undefined;
  try {
    const probe = (await probeReadReplica(config, primary?.pool))!;
    const strict: Finding['level'] = config.profile === 'prod' ? 'error' : 'warning';
    const detail = probe.reachable
      ? `${probe.where}: ${probe.inRecovery ? 'standby' : 'not a standby'}, lag ${probe.lagSeconds?.toFixed(1)} s, schema version ${probe.schemaVersion ?? 'none'}`
      : `${probe.where}: ${probe.error}`;
    return [
      {
        name: 'read replica',
        ok: probe.problems.length === 0,
        detail,
        unreachable: !probe.reachable,
        findings: probe.problems.map((p) => ({
          // Serve falls back to the primary, so an unfit replica is a warning outside prod.
          level: strict,
          setting: 'readReplicaUrl',
          message: p.message,
          fix: p.fix,
        })),
      },
    ];
  } finally {
    await primary?.close().catch(() => {});
  }
}

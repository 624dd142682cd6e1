import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { type RestoreReport, runRestore } from '../../src/ops/backup/index.js';
import { adminUrl } from '../support/database.js';

/** Config as the CLI would load it, from an explicit env (never process.env). */
export async function configFor(env: Record<string, string | undefined>): Promise<Config> {
  const loaded = await loadConfig({
    env: { MCPOPS_PROFILE: 'dev', ...env },
    flags: {},
    cwd: '/nonexistent-mcpops-cwd',
  });
  return loaded.config;
}

/** Row count and an order-independent checksum of every user table. */
export async function tableChecksums(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ q: string; name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS q, n.nspname || '.' || c.relname AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        ORDER BY 2`,
    );
    const out: Record<string, string> = {};
    for (const t of tables.rows) {
      const r = await client.query(
        `SELECT count(*) || ':' || coalesce(md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))), '-') AS sum FROM ONLY ${t.q} x`,
      );
      out[t.name] = r.rows[0].sum;
    }
    return out;
  } finally {
    await client.end();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl('postgres') });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl('postgres') });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

/** Restores a backup (default the newest) from `from` into a new database `name` on the local server. */
export function restoreInto(
  config: Config,
  from: string,
  name: string,
  extra: Partial<Parameters<typeof runRestore>[1]> = {},
): Promise<RestoreReport> {
  return runRestore(config, {
    from,
    id: 'latest',
    target: adminUrl(name),
    create: true,
    jobs: 2,
    confirm: async () => false,
    ...extra,
  });
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/ops/backup/index.js';
import { adminUrl } from '../support/database.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { configFor, dropDatabase, restoreInto, tableChecksums } from './helpers.js';

let zava: ZavaTestDatabase;
let dir: string;
const restored = `mcpops_zava_restored_${process.pid}`;

beforeAll(async () => {
  zava = await createZavaTestDatabase({ scale: 'tiny' });
  dir = await mkdtemp(join(tmpdir(), 'mcpops-zava-backup-'));
});

afterAll(async () => {
  await dropDatabase(restored).catch(() => {});
  await zava?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the Zava database', () => {
  it('restores whole: every table, row-level security and policies', async () => {
    const config = await configFor({ DATABASE_URL: zava.url });
    const run = await runBackup(config, { target: dir, compression: 'zstd', jobs: 2, retention: {} });
    expect(run.manifest?.tables.length).toBeGreaterThan(3);
    const report = await restoreInto(config, dir, restored);
    expect(report.ok).toBe(true);
    expect(await tableChecksums(adminUrl(restored))).toEqual(await tableChecksums(zava.url));
    const policies = async (url: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const r = await client.query(
          "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'retail' ORDER BY 1",
        );
        return r.rows;
      } finally {
        await client.end();
      }
    };
    expect(await policies(adminUrl(restored))).toEqual(await policies(zava.url));
  });
});

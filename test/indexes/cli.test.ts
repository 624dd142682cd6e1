import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';

let zava: ZavaTestDatabase;
const cwd = mkdtempSync(join(tmpdir(), 'mcpops-index-cli-'));

function indexApply(args: string[]) {
  return runCli(['index', 'apply', ...args], { cwd, env: { DATABASE_URL: zava.url } });
}

beforeAll(async () => {
  zava = await createZavaTestDatabase({ scale: 'tiny' });
});

afterAll(async () => {
  await zava?.drop();
});

describe('mcpops index apply (built CLI) on the sample database', () => {
  it('--dry-run --json shows the plan and changes nothing', async () => {
    const before = await zava.admin.query(
      "SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'retail'",
    );
    const result = await indexApply(['--dry-run', '--json']);
    expect(result.code).toBe(0);
    const doc = result.json();
    expect(doc).toMatchObject({ ok: true, dryRun: true, plan: { errors: 0, vectorMethod: 'hnsw' } });
    expect(doc.plan.changes).toBeGreaterThan(0);
    const item = doc.plan.items.find((i: any) => i.name === 'orders_store_date_idx');
    expect(item).toMatchObject({
      state: 'equivalent',
      action: 'none',
      detail: 'already covered by idx_orders_store_date',
    });
    expect(Object.keys(item)).not.toContain('_definition');
    expect(doc.plan.items.find((i: any) => i.name === 'orders_customer_idx').detail).toBe(
      'covered by idx_orders_customer_store (same leading columns)',
    );
    const after = await zava.admin.query(
      "SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'retail'",
    );
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it("the reference's wrong customers(store_id, email) is caught before any DDL: exit 2", async () => {
    const wrong = join(cwd, 'wrong.sql');
    writeFileSync(wrong, 'CREATE INDEX idx_customers_store_email ON retail.customers (store_id, email);\n');
    const json = await indexApply(['--file', wrong, '--json', '--yes']);
    expect(json.code).toBe(2);
    expect(json.json()).toMatchObject({
      ok: false,
      error: { code: 'index_plan_invalid' },
      plan: { errors: 1, items: [{ state: 'error', name: 'idx_customers_store_email' }] },
    });
    expect(json.json().plan.items[0].errors[0]).toContain(
      'column store_id does not exist on retail.customers (did you mean primary_store_id?)',
    );
    const text = await indexApply(['--file', wrong]);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain('idx_customers_store_email');
    expect(text.stderr).toContain(
      'mcpops: 1 index definition(s) do not match the database; nothing was changed',
    );
    expect(text.stderr).toContain('fix: Fix the definitions named in the plan');
    const { rows } = await zava.admin.query(
      "SELECT 1 FROM pg_indexes WHERE indexname = 'idx_customers_store_email'",
    );
    expect(rows).toHaveLength(0);
  });

  it('builds the missing indexes, then a rerun has nothing to do', async () => {
    const applied = await indexApply(['--json']);
    expect(applied.code).toBe(0);
    const doc = applied.json();
    expect(doc.ok).toBe(true);
    expect(doc.result.failed).toBe(0);
    expect(doc.result.concurrently).toBe(true);
    expect(doc.result.items.map((i: any) => i.status)).toEqual(doc.result.items.map(() => 'created'));
    const again = await indexApply([]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('Nothing to do: every index is in place.');
  });

  it('usage errors exit 64', async () => {
    const set = await indexApply(['--set', 'nope', '--json']);
    expect(set.code).toBe(64);
    expect(set.json().error).toMatchObject({
      code: 'index_set_unknown',
      suggestion: 'Use one of: btree, vector.',
    });
    const missing = await indexApply(['--file', join(cwd, 'absent.sql')]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('cannot read index file');
    const method = await indexApply(['--vector-method', 'flat']);
    expect(method.code).toBe(64);
  });

  it('Ctrl-C cancels the running build, drops its INVALID leftover and exits 130', async () => {
    const file = join(cwd, 'slow.sql');
    writeFileSync(file, 'CREATE INDEX order_items_quantity_idx ON retail.order_items (quantity);\n');
    // An open snapshot keeps the concurrent build waiting, so the signal lands mid-build.
    const snapshot = new pg.Client({ connectionString: zava.url });
    await snapshot.connect();
    await snapshot.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await snapshot.query('SELECT count(*) FROM retail.stores');
    try {
      const child = spawn(process.execPath, [CLI, 'index', 'apply', '--file', file], {
        cwd,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', DATABASE_URL: zava.url },
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const deadline = Date.now() + 20_000;
      for (;;) {
        const { rows } = await zava.admin.query(
          "SELECT 1 FROM pg_stat_progress_create_index p JOIN pg_class c ON c.oid = p.index_relid WHERE c.relname = 'order_items_quantity_idx'",
        );
        if (rows.length) break;
        if (Date.now() > deadline) throw new Error(`the build never started: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('Building order_items_quantity_idx on retail.order_items');
      expect(stderr).toContain(
        'mcpops: index apply interrupted: the build of order_items_quantity_idx was cancelled and its leftover dropped',
      );
    } finally {
      await snapshot.query('ROLLBACK');
      await snapshot.end();
    }
    const { rows } = await zava.admin.query(
      "SELECT 1 FROM pg_class WHERE relname = 'order_items_quantity_idx'",
    );
    expect(rows).toHaveLength(0);
  });
});

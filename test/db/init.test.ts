import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { type InitOptions, initDatabase } from '../../src/db/init/index.js';
import { passwordMatches } from '../../src/db/init/scram.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/database.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function freshDatabase(): Promise<{ db: TestDatabase; pool: pg.Pool }> {
  const db = await createTestDatabase('mcpops_init');
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  cleanups.push(async () => {
    await pool.end();
    await db.drop();
  });
  return { db, pool };
}

const ROLES = { readerRole: 'zava_reader', loginRole: 'zava_serve' } satisfies Partial<InitOptions>;
const RETAIL_TABLES = [
  'categories',
  'customers',
  'inventory',
  'order_items',
  'orders',
  'product_types',
  'products',
  'stores',
];

describe('initDatabase', () => {
  test('builds everything once; a second run changes nothing and says so', async () => {
    const { db, pool } = await freshDatabase();
    const phases = new Set<string>();
    const first = await initDatabase(pool, {
      ...ROLES,
      sampleData: true,
      scale: 'tiny',
      onProgress: (p) => phases.add(p.phase),
    });
    expect(first.changed).toBe(true);
    expect(first.sampleLoaded).toBe(true);
    expect(first.actions).toContain('created table retail.orders');
    expect(first.actions).toContain('created policy retail.customers.zava_store_read');
    expect(first.actions.at(-1)).toMatch(/^loaded the tiny sample \(\d+ rows, seed \d+\)$/);
    expect(phases).toContain('loading sample data');
    // PG15 here has no pgvector: reported, and everything else is in place.
    expect(first.vectorAvailable).toBe(false);
    expect(first.notes.join('\n')).toMatch(/vector extension unavailable.*everything else works/);
    expect(Object.keys(first.rowCounts).sort()).toEqual(RETAIL_TABLES);
    expect(first.rowCounts.customers).toBe(200);
    expect(first.rowCounts.inventory).toBe(8 * first.rowCounts.products);

    const second = await initDatabase(pool, { ...ROLES, sampleData: true, scale: 'tiny' });
    expect(second).toMatchObject({
      changed: false,
      actions: [],
      sampleLoaded: false,
      rowCounts: first.rowCounts,
    });
    expect(second.notes).toContain('sample data already present; nothing loaded');

    // Sequences were moved past the loaded ids.
    const next = await db.admin.query(
      "SELECT nextval(pg_get_serial_sequence('retail.orders', 'order_id')) AS n",
    );
    expect(Number(next.rows[0].n)).toBe(first.rowCounts.orders + 1);
    // The marker other helpers read.
    const meta = await db.admin.query("SELECT value FROM mcpops.meta WHERE key = 'retail_schema'");
    expect(meta.rows[0].value).toMatchObject({ createdBy: 'mcpops', schemaVersion: 1 });
  });

  test('every retail table has FORCE RLS and a policy; the reader may only SELECT, the login role nothing', async () => {
    const { db, pool } = await freshDatabase();
    await initDatabase(pool, { ...ROLES });
    const { rows: tables } = await db.admin.query(
      `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
              (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'retail' AND p.tablename = c.relname)::int AS policies,
              array(SELECT DISTINCT privilege_type::text FROM information_schema.role_table_grants g
                     WHERE g.table_schema = 'retail' AND g.table_name = c.relname AND g.grantee = 'zava_reader')::text[] AS reader,
              array(SELECT DISTINCT privilege_type::text FROM information_schema.role_table_grants g
                     WHERE g.table_schema = 'retail' AND g.table_name = c.relname AND g.grantee = 'zava_serve')::text[] AS login
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'retail' AND c.relkind = 'r' ORDER BY 1`,
    );
    expect(tables.map((t) => t.relname)).toEqual(RETAIL_TABLES);
    for (const t of tables) {
      expect(t).toMatchObject({
        relrowsecurity: true,
        relforcerowsecurity: true,
        policies: 1,
        reader: ['SELECT'],
        login: [],
      });
    }
    const { rows: roles } = await db.admin.query(
      `SELECT rolname, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolcanlogin, rolinherit, rolconfig
         FROM pg_roles WHERE rolname IN ('zava_reader', 'zava_serve') ORDER BY 1`,
    );
    expect(roles).toMatchObject([
      {
        rolname: 'zava_reader',
        rolsuper: false,
        rolbypassrls: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolcanlogin: false,
      },
      {
        rolname: 'zava_serve',
        rolsuper: false,
        rolbypassrls: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolcanlogin: true,
        rolinherit: false,
        rolconfig: ['default_transaction_read_only=on'],
      },
    ]);
    const { rows: member } = await db.admin.query(
      `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
        WHERE m.member = 'zava_serve'::regrole`,
    );
    expect(member.map((m) => m.rolname)).toEqual(['zava_reader']);
    const meta = await db.admin.query(
      "SELECT has_table_privilege('zava_reader', 'mcpops.meta', 'SELECT') AS reader, has_table_privilege('zava_serve', 'mcpops.meta', 'SELECT') AS login",
    );
    expect(meta.rows[0]).toEqual({ reader: false, login: false });
  });

  test('refuses a non-empty retail schema it did not create, and takes it over with force', async () => {
    const { db, pool } = await freshDatabase();
    await db.admin.query(
      'CREATE SCHEMA retail; CREATE TABLE retail.legacy (id int); INSERT INTO retail.legacy VALUES (1)',
    );
    const refused = initDatabase(pool, { ...ROLES, sampleData: true, scale: 'tiny' });
    await expect(refused).rejects.toMatchObject({
      code: 'retail_schema_foreign',
      exitCode: 2,
      message: 'the retail schema already holds 1 tables, indexes or sequences that mcpops did not create',
      suggestion: expect.stringContaining('--force'),
    });
    // Nothing was created by the refused run.
    const orders = await db.admin.query("SELECT to_regclass('retail.orders') AS t");
    expect(orders.rows[0].t).toBeNull();

    const adopted = await initDatabase(pool, { ...ROLES, sampleData: true, scale: 'tiny', force: true });
    expect(adopted.changed).toBe(true);
    expect(adopted.sampleLoaded).toBe(true);
    expect(adopted.notes).toContain('took over an existing retail schema (--force); nothing was dropped');
    expect((await db.admin.query('SELECT count(*)::int AS n FROM retail.legacy')).rows[0].n).toBe(1);
    // Once marked as ours, no force is needed again.
    expect((await initDatabase(pool, { ...ROLES })).changed).toBe(false);
  });

  test('with force, a retail table that does not match the Zava layout is an error', async () => {
    const { db, pool } = await freshDatabase();
    await db.admin.query('CREATE SCHEMA retail; CREATE TABLE retail.orders (id int)');
    await expect(initDatabase(pool, { ...ROLES, force: true })).rejects.toMatchObject({
      code: 'retail_schema_mismatch',
      exitCode: 2,
      message: 'retail.orders lacks column(s) order_id, customer_id, store_id, order_date',
    });
  });

  test.each([
    [{ readerRole: 'Bad-Name' }, 'serveRole "Bad-Name" is not a valid role name'],
    [
      { loginRole: 'x; DROP ROLE postgres' },
      'serveLoginRole "x; DROP ROLE postgres" is not a valid role name',
    ],
  ])('rejects invalid role names %j', async (roles, message) => {
    const pool = new pg.Pool({ connectionString: adminUrl('postgres'), max: 1 });
    try {
      await expect(initDatabase(pool, { ...ROLES, ...roles })).rejects.toMatchObject({
        exitCode: 78,
        message,
      });
    } finally {
      await pool.end();
    }
  });

  test('an interrupted sample load leaves no rows behind', async () => {
    const { pool } = await freshDatabase();
    const controller = new AbortController();
    const run = initDatabase(pool, {
      ...ROLES,
      sampleData: true,
      scale: 'tiny',
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'loading sample data' && p.done > 0) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'interrupted', exitCode: 130 });
    const after = await initDatabase(pool, { ...ROLES });
    expect(Object.values(after.rowCounts).every((n) => n === 0)).toBe(true);
  });

  test('the COPY and the INSERT … unnest loaders load identical data', async () => {
    const [a, b] = await Promise.all([freshDatabase(), freshDatabase()]);
    await initDatabase(a.pool, { ...ROLES, sampleData: true, scale: 'tiny', loader: 'copy' });
    await initDatabase(b.pool, { ...ROLES, sampleData: true, scale: 'tiny', loader: 'insert' });
    const digest = async (db: TestDatabase) => {
      const out: Record<string, string> = {};
      for (const t of RETAIL_TABLES) {
        const { rows } = await db.admin.query(
          `SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) AS h FROM retail.${t} x`,
        );
        out[t] = rows[0].h;
      }
      return out;
    };
    const da = await digest(a.db);
    expect(Object.values(da).every((h) => typeof h === 'string')).toBe(true);
    expect(await digest(b.db)).toEqual(da);
  });

  test('works for a database owner that is not a superuser (FORCE RLS applies to it too)', async () => {
    const suffix = randomBytes(4).toString('hex');
    const owner = `mcpops_t_owner_${suffix}`;
    const roles = { readerRole: `mcpops_t_reader_${suffix}`, loginRole: `mcpops_t_login_${suffix}` };
    const name = `mcpops_init_owner_${suffix}`;
    const root = new pg.Client({ connectionString: adminUrl('postgres') });
    await root.connect();
    await root.query(`CREATE ROLE "${owner}" LOGIN CREATEROLE NOSUPERUSER`);
    await root.query(`CREATE DATABASE "${name}" OWNER "${owner}"`);
    await root.end();
    cleanups.unshift(async () => {
      const c = new pg.Client({ connectionString: adminUrl('postgres') });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      for (const r of [roles.loginRole, roles.readerRole, owner]) await c.query(`DROP ROLE IF EXISTS "${r}"`);
      await c.end();
    });
    const url = new URL(adminUrl(name));
    url.username = owner;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    try {
      const report = await initDatabase(pool, { ...roles, sampleData: true, scale: 'tiny' });
      expect(report.sampleLoaded).toBe(true);
      expect(report.notes.join()).toMatch(/^vector extension unavailable/);
      expect(report.rowCounts.customers).toBe(200);
      const { rows } = await pool.query(
        "SELECT bool_and(relforcerowsecurity) AS forced FROM pg_class WHERE relnamespace = 'retail'::regnamespace AND relkind = 'r'",
      );
      expect(rows[0].forced).toBe(true);
      // As the owner without an identity, FORCE'd RLS hides the orders from the owner as well.
      expect((await pool.query('SELECT count(*)::int AS n FROM retail.orders')).rows[0].n).toBe(0);
      expect((await initDatabase(pool, { ...roles, sampleData: true, scale: 'tiny' })).changed).toBe(false);
    } finally {
      await pool.end();
    }
  });

  test('existing roles with unsafe attributes or extra memberships are corrected', async () => {
    const suffix = randomBytes(4).toString('hex');
    const roles = { readerRole: `mcpops_t_reader_${suffix}`, loginRole: `mcpops_t_login_${suffix}` };
    const extra = `mcpops_t_extra_${suffix}`;
    const { db, pool } = await freshDatabase();
    cleanups.unshift(async () => {
      const c = new pg.Client({ connectionString: adminUrl('postgres') });
      await c.connect();
      for (const r of [roles.loginRole, roles.readerRole, extra]) await c.query(`DROP ROLE IF EXISTS "${r}"`);
      await c.end();
    });
    await db.admin.query(`CREATE ROLE "${roles.readerRole}" LOGIN CREATEDB BYPASSRLS`);
    await db.admin.query(`CREATE ROLE "${extra}" NOLOGIN`);
    await db.admin.query(`CREATE ROLE "${roles.loginRole}" LOGIN INHERIT CREATEROLE IN ROLE "${extra}"`);
    const report = await initDatabase(pool, roles);
    expect(report.actions.slice(0, 5)).toEqual([
      `restricted role ${roles.readerRole} to NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION`,
      `restricted role ${roles.loginRole} to LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION`,
      `set default_transaction_read_only = on for role ${roles.loginRole}`,
      `granted role ${roles.readerRole} to ${roles.loginRole}`,
      `revoked role ${extra} from ${roles.loginRole}`,
    ]);
    const { rows } = await db.admin.query(
      `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = $1::regrole`,
      [roles.loginRole],
    );
    expect(rows.map((r) => r.rolname)).toEqual([roles.readerRole]);
    expect((await initDatabase(pool, roles)).changed).toBe(false);
  });

  test('parallel runs on two databases create the same new roles without tripping over each other', async () => {
    const suffix = randomBytes(4).toString('hex');
    const roles = {
      readerRole: `mcpops_t_reader_${suffix}`,
      loginRole: `mcpops_t_login_${suffix}`,
      loginPassword: 's3cret',
    };
    const [a, b] = await Promise.all([freshDatabase(), freshDatabase()]);
    cleanups.unshift(async () => {
      // Runs after the databases are dropped (cleanups run in reverse), when nothing depends on the roles.
      const root = new pg.Client({ connectionString: adminUrl('postgres') });
      await root.connect();
      await root.query(`DROP ROLE IF EXISTS "${roles.loginRole}"`);
      await root.query(`DROP ROLE IF EXISTS "${roles.readerRole}"`);
      await root.end();
    });
    const reports = await Promise.all([initDatabase(a.pool, roles), initDatabase(b.pool, roles)]);
    const roleActions = reports.flatMap((r) => r.actions.filter((x) => x.startsWith('created role')));
    expect(roleActions.sort()).toEqual([
      `created role ${roles.loginRole} (LOGIN, NOINHERIT)`,
      `created role ${roles.readerRole} (NOLOGIN reader)`,
    ]);
    const stored = await a.db.admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [
      roles.loginRole,
    ]);
    expect(stored.rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(passwordMatches(stored.rows[0].rolpassword, 's3cret', roles.loginRole)).toBe(true);
    // Same password: nothing to do; another password: set, once.
    expect((await initDatabase(a.pool, roles)).changed).toBe(false);
    const changed = await initDatabase(a.pool, { ...roles, loginPassword: 'other' });
    expect(changed.actions).toEqual([`set the password of role ${roles.loginRole}`]);
  });
});

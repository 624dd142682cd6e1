import { readFile } from 'node:fs/promises';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { createPool } from '../../src/db/pool.js';
import { withStoreSession } from '../../src/db/session.js';
import { HEAD_OFFICE_ID, STORES } from '../../src/db/stores.js';
import { ExitCode } from '../../src/errors.js';
import type { RunningServe } from '../../src/mcp/serve.js';
import { ATTACKS } from '../fixtures/attacks.js';
import {
  callTool,
  connectInMemory,
  type InMemoryServer,
  retailChecksums,
  serveConfig,
} from '../serve/support.js';
import { runCli } from '../support/cli.js';
import { GUIDE_INI, pgbouncerIni, startPgBouncer } from '../support/pgbouncer.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { httpClient, serveHttp } from './support.js';

const TIMEOUT_MS = 1500;
const seattle = STORES[0];

let db: ZavaTestDatabase;
let bouncer: Awaited<ReturnType<typeof startPgBouncer>>;
let bouncedUrl: string;
let truth: Map<string, number>;

const POOL_CONFIG = {
  applicationName: 'mcpops-pgbouncer-test',
  poolMin: 0,
  poolMax: 12,
  poolIdleSeconds: 30,
  poolMaxUses: 50_000,
  statementTimeoutMs: TIMEOUT_MS,
};

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  // Two server connections for every client: each transaction lands on a connection another
  // identity used a moment ago.
  bouncer = await startPgBouncer({ poolSize: 2 });
  bouncedUrl = bouncer.urlFor(db.loginUrl);
  const { rows } = await db.admin.query<{ rls_user_id: string; n: number }>(
    `SELECT s.rls_user_id::text, count(o.order_id)::int AS n
     FROM retail.stores s LEFT JOIN retail.orders o ON o.store_id = s.store_id GROUP BY 1`,
  );
  truth = new Map(rows.map((r) => [r.rls_user_id, r.n]));
  truth.set(HEAD_OFFICE_ID, (await db.admin.query('SELECT count(*)::int AS n FROM retail.orders')).rows[0].n);
}, 60_000);

afterAll(async () => {
  await bouncer?.stop();
  await db?.drop();
});

describe('serve through PgBouncer in transaction mode', () => {
  let running: RunningServe;
  let client: Client;
  beforeAll(async () => {
    running = await serveHttp({ DATABASE_URL: bouncedUrl });
    client = await httpClient(running.url!, { 'x-rls-user-id': seattle.rlsUserId });
  });
  afterAll(async () => {
    await client?.close();
    await running?.stop();
  });

  test('starts and answers execute_sales_query with the store scope', async () => {
    const answer = await callTool(client, 'execute_sales_query', {
      postgresql_query: 'SELECT count(*) FROM retail.orders',
    });
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.json.r[0][0]).toBe(truth.get(seattle.rlsUserId));
  });

  test('each call runs as the reader role with the caller identity', async () => {
    const answer = await callTool(client, 'execute_sales_query', {
      postgresql_query: "SELECT current_user AS who, current_setting('app.current_rls_user_id') AS id",
    });
    expect(answer.json.r?.[0], answer.text).toEqual([db.readerRole, seattle.rlsUserId]);
  });

  test('get_multiple_table_schemas, the schema resource and semantic search', async () => {
    const schemas = await callTool(client, 'get_multiple_table_schemas', { table_names: ['retail.orders'] });
    expect(schemas.isError, schemas.text).toBe(false);
    expect(schemas.text).toContain('- order_date:date');
    const resource = await client.readResource({ uri: 'schema://retail/products' });
    expect(JSON.stringify(resource.contents)).toContain('base_price');
    const search = await callTool(client, 'semantic_search_products', {
      query_description: 'cordless drill',
    });
    // This server has no pgvector: the tool's own answer, from inside a store session, not a
    // connection failure.
    expect(search.json).toMatchObject({ c: [], r: [], n: 0 });
    expect(search.json.err).not.toMatch(/not reachable|failed inside/);
    const date = await callTool(client, 'get_current_utc_date');
    expect(date.text).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  test('/ready answers through PgBouncer', async () => {
    const ready = await fetch(new URL('/ready', running.url!));
    expect(ready.status).toBe(200);
  });
});

describe('every attack class of the guard through PgBouncer', () => {
  let pool: pg.Pool;
  let server: InMemoryServer;
  let before: Record<string, string>;
  beforeAll(async () => {
    pool = createPool({ url: new Secret(bouncedUrl), config: POOL_CONFIG });
    server = await connectInMemory({
      db: { pool, where: 'pgbouncer' },
      config: serveConfig(db.readerRole, { statementTimeoutMs: TIMEOUT_MS }),
      identity: { rlsUserId: seattle.rlsUserId, label: seattle.name, headOffice: false },
    });
    before = await retailChecksums(db.admin);
  });
  afterAll(async () => {
    await server?.close();
    await pool?.end();
  });

  // One attack per class keeps the file short; the in-process suite runs them all directly.
  const perClass = [...new Map(ATTACKS.map((a) => [a.category, a])).values()];
  test.each(perClass.map((a) => [`${a.category}: ${a.name}`, a] as const))('%s', async (_n, attack) => {
    const answer = await callTool(server.client, 'execute_sales_query', { postgresql_query: attack.sql });
    if (attack.expect === 'guard') {
      expect(answer.isError, answer.text).toBe(true);
      expect(answer.json.err).toMatch(attack.syntax ? /syntax|SQL/i : /SQL rejected/);
    } else if (answer.isError) expect(answer.json.err).toMatch(/limit and was cancelled/);
    else expect(answer.json.truncated, answer.text.slice(0, 200)).toBe(true);
    expect(await retailChecksums(db.admin)).toEqual(before);
    const after = await callTool(server.client, 'execute_sales_query', {
      postgresql_query:
        "SELECT current_setting('app.current_rls_user_id') AS who, count(*) FROM retail.orders",
    });
    expect(after.json.r[0]).toEqual([seattle.rlsUserId, truth.get(seattle.rlsUserId)]);
  });
});

describe('the SQL guard through PgBouncer', () => {
  test('catalog lookups on many connections keep no named statement between transactions', async () => {
    const pool = createPool({ url: new Secret(bouncedUrl), config: { ...POOL_CONFIG, poolMax: 6 } });
    // Each server has its own catalog cache, and every call names functions none has seen: every
    // call asks the catalog, on whichever server connection PgBouncer lends it.
    const servers = await Promise.all(
      [0, 1, 2, 3].map(() =>
        connectInMemory({
          db: { pool, where: 'pgbouncer' },
          config: serveConfig(db.readerRole, { statementTimeoutMs: 5000 }),
          identity: { rlsUserId: seattle.rlsUserId, label: seattle.name, headOffice: false },
        }),
      ),
    );
    // Qualified column names and operators: the guard asks the catalog whether each could be a
    // function in attribute notation or an operator from another schema.
    const columns = [
      ['stores', 'store_name'],
      ['stores', 'store_id'],
      ['products', 'sku'],
      ['products', 'product_name'],
      ['products', 'cost'],
      ['products', 'base_price'],
      ['customers', 'first_name'],
      ['customers', 'last_name'],
      ['orders', 'order_date'],
      ['orders', 'order_id'],
    ];
    try {
      const answers = await Promise.all(
        columns.flatMap(([table, column], i) =>
          servers.map((server, j) =>
            callTool(server.client, 'execute_sales_query', {
              postgresql_query: `SELECT t.${column}, ${i} * ${j + 1} - ${j} AS k FROM retail.${table} t LIMIT 1`,
            }),
          ),
        ),
      );
      for (const answer of answers) expect(answer.isError, answer.text).toBe(false);
    } finally {
      for (const server of servers) await server.close();
      await pool.end();
    }
  });
});

describe('pool poisoning: identities never bleed between transactions on shared server connections', () => {
  test('300 interleaved calls for every store over 2 server connections each see only their own rows', async () => {
    const pool = createPool({ url: new Secret(bouncedUrl), config: POOL_CONFIG });
    const identities = [...STORES.map((s) => s.rlsUserId), HEAD_OFFICE_ID];
    try {
      const calls = Array.from({ length: 300 }, (_, i) => identities[(i * 7) % identities.length]);
      const answers = await Promise.all(
        calls.map((id, i) =>
          withStoreSession(
            pool,
            { role: db.readerRole, rlsUserId: id, statementTimeoutMs: 5000, workMem: i % 2 ? '4MB' : '16MB' },
            async (client) => {
              const { rows } = await client.query(
                "SELECT current_setting('app.current_rls_user_id') AS id, current_setting('work_mem') AS wm, current_setting('jit') AS jit, (SELECT count(*)::int FROM retail.orders) AS n, pg_backend_pid() AS pid",
              );
              return rows[0];
            },
          ),
        ),
      );
      answers.forEach((answer, i) => {
        expect(answer).toMatchObject({
          id: calls[i],
          wm: i % 2 ? '4MB' : '16MB',
          jit: 'off',
          n: truth.get(calls[i]),
        });
      });
      // The calls really shared server connections.
      expect(new Set(answers.map((a) => a.pid)).size).toBeLessThanOrEqual(2);
      // And what is left on those connections outside a store transaction is the login role's own.
      const plain = await pool.query(
        "SELECT current_user AS who, current_setting('app.current_rls_user_id', true) AS id, current_setting('jit') AS jit, current_setting('statement_timeout') AS st",
      );
      expect(plain.rows[0].who).toBe(db.loginRole);
      expect(plain.rows[0].id ?? '').toBe('');
      expect(plain.rows[0].st).toBe('0');
      expect(plain.rows[0].jit).toBe('on');
    } finally {
      await pool.end();
    }
  });

  test('a call cancelled by its time limit does not leave its identity on the shared connection', async () => {
    const pool = createPool({ url: new Secret(bouncedUrl), config: { ...POOL_CONFIG, poolMax: 4 } });
    try {
      const slow = withStoreSession(
        pool,
        { role: db.readerRole, rlsUserId: HEAD_OFFICE_ID, statementTimeoutMs: 300 },
        (client) => client.query('SELECT pg_sleep(2)'),
      );
      await expect(slow).rejects.toMatchObject({ code: '57014' });
      const next = await withStoreSession(
        pool,
        { role: db.readerRole, rlsUserId: seattle.rlsUserId, statementTimeoutMs: 5000 },
        async (client) =>
          (
            await client.query(
              "SELECT current_setting('app.current_rls_user_id') AS id, (SELECT count(*)::int FROM retail.orders) AS n",
            )
          ).rows[0],
      );
      expect(next).toEqual({ id: seattle.rlsUserId, n: truth.get(seattle.rlsUserId) });
    } finally {
      await pool.end();
    }
  });
});

describe('the deploy guide', () => {
  test('shows the pgbouncer.ini these tests run (with its own addresses, auth and paths)', async () => {
    const guide = await readFile(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
    const block = guide.match(/```ini\n([\s\S]*?)```/)?.[1];
    expect(block).toBe(pgbouncerIni(GUIDE_INI));
    expect(
      bouncer.ini.replace(
        /^(listen_addr|listen_port|default_pool_size|auth_type|auth_file|logfile|pidfile) = .*$/gm,
        '',
      ),
    ).toBe(
      pgbouncerIni(GUIDE_INI)
        .replace(
          /^(listen_addr|listen_port|default_pool_size|auth_type|auth_file|logfile|pidfile) = .*$/gm,
          '',
        )
        .replace('db.internal', '127.0.0.1'),
    );
  });
});

describe('operator commands pointed at PgBouncer', () => {
  test('health says to point them at PostgreSQL itself, and exits CRITICAL', async () => {
    const result = await runCli(['health', '--json', '--database-url', bouncer.urlFor(db.url)]);
    expect(result.code).toBe(ExitCode.failure);
    const reach = result
      .json()
      .components.database.checks.find((c: { id: string }) => c.id === 'db.reachable');
    expect(reach.status).toBe('CRITICAL');
    expect(reach.message).toMatch(/refused a session setting: unsupported startup parameter/);
    expect(reach.remedy).toMatch(/point operator commands .* at PostgreSQL itself/);
  });
});

import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { initDatabase } from '../../src/db/init/index.js';
import { withStoreSession } from '../../src/db/session.js';
import { HEAD_OFFICE_ID, STORES } from '../../src/db/stores.js';

let db: PGlite;
let server: PGLiteSocketServer;
let pool: pg.Pool;

beforeAll(async () => {
  db = await PGlite.create({ extensions: { vector } });
  server = new PGLiteSocketServer({ db, port: 0, maxConnections: 1 });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  pool = new pg.Pool({ host, port: Number(port), user: 'postgres', database: 'postgres', max: 1 });
  pool.on('error', () => {});
});

afterAll(async () => {
  await pool?.end();
  await server?.stop();
  await db?.close();
});

test('the same db init works on PGlite over its socket server (roles, pgvector, RLS, INSERT loader)', async () => {
  const roles = { readerRole: 'zava_reader', loginRole: 'zava_serve' };
  // The hook gets the pool while initDatabase's own connection is back in it (this pool has one).
  let hookSaw = -1;
  const first = await initDatabase(pool, {
    ...roles,
    sampleData: true,
    scale: 'tiny',
    afterSampleData: async (p) => {
      hookSaw = (await p.query('SELECT count(*)::int AS n FROM retail.products')).rows[0].n;
    },
  });
  expect(hookSaw).toBe(450);
  expect(first).toMatchObject({ changed: true, sampleLoaded: true, vectorAvailable: true, notes: [] });
  expect(first.actions).toContain('created table retail.product_description_embeddings');
  expect(first.actions).toContain('created role zava_reader (NOLOGIN reader)');
  expect(first.rowCounts).toMatchObject({ customers: 200, product_description_embeddings: 0, stores: 8 });

  const second = await initDatabase(pool, { ...roles, sampleData: true, scale: 'tiny' });
  expect(second).toMatchObject({ changed: false, actions: [], sampleLoaded: false });

  // PGlite runs every connection as its superuser, so the store session's SET LOCAL ROLE is what applies RLS.
  const session = (rlsUserId: string | null) => ({
    role: 'zava_reader',
    rlsUserId,
    statementTimeoutMs: 5000,
  });
  const count = (id: string | null) =>
    withStoreSession(
      pool,
      session(id),
      async (c) => (await c.query('SELECT count(*)::int AS n FROM retail.orders')).rows[0].n,
    );
  const seattle = (await pool.query('SELECT count(*)::int AS n FROM retail.orders WHERE store_id = 1'))
    .rows[0].n;
  expect(seattle).toBeGreaterThan(0);
  expect(await count(STORES[0].rlsUserId)).toBe(seattle);
  expect(await count(HEAD_OFFICE_ID)).toBe(first.rowCounts.orders);
  expect(await count(null)).toBe(0);
});

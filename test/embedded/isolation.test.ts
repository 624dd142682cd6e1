import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { embeddedWorkerPort, openEmbeddedDatabase } from '../../src/db/embedded/index.js';
import { withStoreSession } from '../../src/db/session.js';
import { type Database, embeddedConfig, STORE_A, STORE_B, tempDir, tinySchema } from './support.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let config: Config;
let db: Database;

beforeAll(async () => {
  dir = await tempDir();
  config = await embeddedConfig(join(dir.path, 'db'));
  // Asking for many connections must not get them: the embedded pool always has one.
  db = await openEmbeddedDatabase(
    config,
    { kind: 'embedded', dir: config.embeddedDir },
    { initialise: tinySchema(config), max: 8 },
  );
});
afterAll(async () => {
  await db?.close();
  await dir.remove();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('no interleaving between callers on the single PGlite session', () => {
  it('the embedded pool has exactly one connection', () => {
    const options = db.pool.options as { max?: number; connectionTimeoutMillis?: number };
    expect(options.max).toBe(1);
    // Waiting for the connection may outlast a whole query at the limit plus a restart.
    expect(options.connectionTimeoutMillis).toBe(config.statementTimeoutMs + 30_000);
  });

  it("a store transaction's role and RLS identity never reach another caller's statements", async () => {
    const seen: Array<{ who: string; user: string; id: string | null; rows: number }> = [];
    const session = (who: string, id: string) =>
      withStoreSession(
        db.pool,
        { role: config.serveRole, rlsUserId: id, statementTimeoutMs: 5000 },
        async (client) => {
          for (let i = 0; i < 4; i++) {
            const { rows } = await client.query(
              "SELECT current_user AS user, current_setting('app.current_rls_user_id', true) AS id, (SELECT count(*) FROM retail.orders)::int AS rows",
            );
            seen.push({ who, ...rows[0] });
            // Yield between statements so the other callers get every chance to cut in.
            await pause(20);
          }
        },
      );
    const outsider = async () => {
      for (let i = 0; i < 4; i++) {
        const { rows } = await db.pool.query(
          "SELECT current_user AS user, current_setting('app.current_rls_user_id', true) AS id, (SELECT count(*) FROM retail.orders)::int AS rows",
        );
        seen.push({ who: 'outsider', ...rows[0] });
        await pause(5);
      }
    };
    await Promise.all([session('A', STORE_A), outsider(), session('B', STORE_B), outsider()]);
    expect(seen).toHaveLength(16);
    for (const row of seen) {
      if (row.who === 'A') expect(row).toMatchObject({ user: config.serveRole, id: STORE_A, rows: 3 });
      else if (row.who === 'B') expect(row).toMatchObject({ user: config.serveRole, id: STORE_B, rows: 6 });
      // The superuser outside any store transaction: no role, no identity, so it sees all 9 rows.
      else expect(row).toMatchObject({ user: 'postgres', rows: 9 });
      if (row.who === 'outsider') expect(row.id ?? '').toBe('');
    }
  });

  it('concurrent parameterised queries of different shapes each get their own result', async () => {
    const calls = Array.from({ length: 200 }, (_, i) =>
      i % 2
        ? db.pool
            .query('SELECT $1::int AS a, 1 AS one', [i])
            .then((r) => r.rows[0].a === i && r.rows[0].one === 1)
        : db.pool.query('SELECT $1::text AS b', [`s${i}`]).then((r) => r.rows[0].b === `s${i}`),
    );
    expect((await Promise.all(calls)).every(Boolean)).toBe(true);
  });

  it("(last) why one connection: pglite-socket lets a second connection replace the first one's statement", async () => {
    // Canary for the upstream behaviour the single connection guards against. If this starts
    // failing, pglite-socket serialises whole protocol exchanges and a larger pool may be safe.
    // Free the pool's connection so two raw connections fit the worker's socket server.
    const port = embeddedWorkerPort(db) as number;
    await db.pool.end();
    const message = (type: string, body: Buffer) => {
      const head = Buffer.alloc(5);
      head.write(type, 0);
      head.writeInt32BE(body.length + 4, 1);
      return Buffer.concat([head, body]);
    };
    const cstr = (text: string) => Buffer.from(`${text}\0`);
    const parse = (sql: string) => message('P', Buffer.concat([cstr(''), cstr(sql), Buffer.from([0, 0])]));
    const bindExecuteSync = Buffer.concat([
      message('B', Buffer.concat([cstr(''), cstr(''), Buffer.alloc(6)])),
      message('E', Buffer.concat([cstr(''), Buffer.alloc(4)])),
      message('S', Buffer.alloc(0)),
    ]);
    const connect = async () => {
      const socket = net.connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
      });
      const params = Buffer.concat([
        Buffer.from([0, 3, 0, 0]),
        cstr('user'),
        cstr('postgres'),
        Buffer.from([0]),
      ]);
      const length = Buffer.alloc(4);
      length.writeInt32BE(params.length + 4);
      socket.write(Buffer.concat([length, params]));
      await pause(200);
      received = '';
      return { socket, take: () => received };
    };
    const a = await connect();
    const b = await connect();
    try {
      a.socket.write(parse("SELECT 'statement-of-A'"));
      await pause(150);
      b.socket.write(Buffer.concat([parse("SELECT 'statement-of-B'"), bindExecuteSync]));
      await pause(150);
      a.socket.write(bindExecuteSync);
      await pause(250);
      expect(a.take()).toContain('statement-of-B');
    } finally {
      a.socket.destroy();
      b.socket.destroy();
    }
  });
});

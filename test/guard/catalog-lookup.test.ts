import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CatalogCache,
  type CatalogRequest,
  checkReadOnlySql,
  type FunctionLookup,
  GuardError,
  type NameRef,
  pgProcLookup,
} from '../../src/db/guard/index.js';
import { loadSql } from '../../src/db/sql-files.js';
import { SqlSyntaxError } from '../../src/db/sql-parser.js';
import { ATTACKS, LEGITIMATE_QUERIES } from '../fixtures/attacks.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
let lookup: FunctionLookup;

async function rejection(sql: string, withLookup: FunctionLookup = lookup): Promise<GuardError> {
  const error = await checkReadOnlySql(sql, { lookup: withLookup }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `accepted: ${sql}`).toBeInstanceOf(GuardError);
  return error as GuardError;
}

beforeAll(async () => {
  db = await createTestDatabase('mcpops_guard');
  await db.admin.query(`
    CREATE TABLE public.widgets (id int PRIMARY KEY, name text);
    INSERT INTO public.widgets VALUES (1, 'a'), (2, 'b');
    CREATE TABLE public.touched (n int);
    CREATE FUNCTION public.guard_volatile() RETURNS int VOLATILE LANGUAGE sql
      AS 'INSERT INTO public.touched VALUES (1) RETURNING n';
    CREATE FUNCTION public.guard_immutable(x int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT x * 2';
    CREATE FUNCTION public.guard_stable() RETURNS text STABLE LANGUAGE sql AS 'SELECT current_user::text';
    CREATE FUNCTION public.bump(w public.widgets) RETURNS int VOLATILE LANGUAGE sql
      AS 'INSERT INTO public.touched VALUES (1) RETURNING n';
    CREATE FUNCTION public.label(w public.widgets) RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT w.name || ''!''';
    CREATE FUNCTION public.touch_eq(a int, b int) RETURNS boolean VOLATILE LANGUAGE sql
      AS 'INSERT INTO public.touched VALUES (1) RETURNING true';
    CREATE OPERATOR public.=== (LEFTARG = int, RIGHTARG = int, FUNCTION = public.touch_eq);
    CREATE FUNCTION public.same_int(a int, b int) RETURNS boolean IMMUTABLE LANGUAGE sql AS 'SELECT a = b';
    CREATE OPERATOR public.=~= (LEFTARG = int, RIGHTARG = int, FUNCTION = public.same_int);
    CREATE SCHEMA evil;
    CREATE FUNCTION evil.text_plus(a text, b text) RETURNS text VOLATILE LANGUAGE sql
      AS 'INSERT INTO public.touched VALUES (1) RETURNING a || b';
    CREATE OPERATOR evil.+ (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_plus);
  `);
  await db.admin.query(loadSql('zava/schema'));
  lookup = pgProcLookup(db.admin);
});

afterAll(async () => {
  await db?.drop();
});

describe('pgProcLookup against the real catalog', () => {
  it('rejects a VOLATILE user function and names it', async () => {
    const error = await rejection('SELECT guard_volatile()');
    expect(error.message).toContain('guard_volatile');
    expect(error.message).toContain('VOLATILE');
    expect(error.construct).toBe('function');
    expect(error.position).toBe(8);
  });

  it('rejects it wherever it stands: FROM, WHERE, ORDER BY, a CTE, schema-qualified', async () => {
    for (const sql of [
      'SELECT * FROM guard_volatile() AS g',
      'SELECT * FROM widgets WHERE id = guard_volatile()',
      'SELECT * FROM widgets ORDER BY guard_volatile()',
      'WITH x AS (SELECT guard_volatile() AS v) SELECT v FROM x',
      'SELECT public.guard_volatile()',
    ]) {
      expect((await rejection(sql)).message).toContain('guard_volatile');
    }
  });

  it('accepts IMMUTABLE and STABLE user functions, and the query then runs', async () => {
    const sql = 'SELECT guard_immutable(id), public.guard_stable() FROM widgets ORDER BY id';
    const guarded = await checkReadOnlySql(sql, { lookup });
    expect(guarded.functions).toEqual(['guard_immutable', 'public.guard_stable']);
    const { rows } = await db.admin.query(guarded.sql);
    expect(rows.map((r) => r.guard_immutable)).toEqual([2, 4]);
  });

  it('accepts a non-allow-listed built-in that is STABLE and rejects one that is VOLATILE', async () => {
    await expect(checkReadOnlySql("SELECT to_regclass('widgets')", { lookup })).resolves.toMatchObject({
      functions: ['to_regclass'],
    });
    expect((await rejection('SELECT timeofday()')).message).toMatch(/timeofday.*VOLATILE/);
  });

  it('rejects a function the database does not have', async () => {
    const error = await rejection('SELECT no_such_function(1)');
    expect(error.message).toContain('no_such_function');
    expect(error.message).toContain('no such function');
  });

  it('rejects an operator backed by a VOLATILE function, and accepts one backed by an IMMUTABLE one', async () => {
    const error = await rejection('SELECT * FROM widgets WHERE id === 1');
    expect(error.construct).toBe('operator');
    expect(error.message).toContain('===');
    expect(error.message).toContain('touch_eq');
    await expect(checkReadOnlySql('SELECT * FROM widgets WHERE id =~= 1', { lookup })).resolves.toBeTruthy();
    // and the operator really would have written: the guard is what stops it
    await db.admin.query('BEGIN');
    await db.admin.query('SELECT * FROM widgets WHERE id === 1');
    expect((await db.admin.query('SELECT count(*)::int AS n FROM touched')).rows[0].n).toBeGreaterThan(0);
    await db.admin.query('ROLLBACK');
  });

  it('catches a built-in symbol overloaded by a volatile operator, qualified or on the search_path', async () => {
    expect((await rejection("SELECT 'a' OPERATOR(evil.+) 'b'")).message).toContain('evil.+');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('SET search_path = evil, public');
      const error = await rejection("SELECT 'a' + 'b'", pgProcLookup(client));
      expect(error.message).toContain('text_plus');
    } finally {
      await client.end();
    }
    // not on the search_path: the built-in + is all that can resolve
    await expect(checkReadOnlySql('SELECT 1 + 1', { lookup })).resolves.toBeTruthy();
  });

  it('rejects a VOLATILE function called in attribute notation, accepts columns and IMMUTABLE ones', async () => {
    const error = await rejection('SELECT w.bump FROM widgets w');
    expect(error.message).toContain('bump');
    expect(error.message).toContain('attribute notation');
    await expect(
      checkReadOnlySql('SELECT w.id, w.name, w.label FROM widgets w', { lookup }),
    ).resolves.toBeTruthy();
  });

  it('works with a plain lookup function (no one-round-trip resolve)', async () => {
    const plain: FunctionLookup = (names) => lookup(names);
    await expect(checkReadOnlySql('SELECT guard_immutable(1)', { lookup: plain })).resolves.toBeTruthy();
    expect((await rejection('SELECT guard_volatile()', plain)).message).toContain('guard_volatile');
    // without resolve, non-built-in operators are refused without asking
    expect((await rejection('SELECT 1 =~= 1', plain)).message).toContain('not a built-in operator');
  });

  it('asks the catalog once per check, and not at all when the text already decides', async () => {
    let calls = 0;
    const counting: FunctionLookup = Object.assign((names: Parameters<FunctionLookup>[0]) => lookup(names), {
      resolve: async (request: Parameters<NonNullable<FunctionLookup['resolve']>>[0]) => {
        calls++;
        return lookup.resolve!(request);
      },
    });
    await checkReadOnlySql(
      'SELECT guard_immutable(w.id), public.guard_stable(), w.name FROM widgets w WHERE w.id > 0',
      {
        lookup: counting,
      },
    );
    expect(calls).toBe(1);
    await expect(
      checkReadOnlySql('SELECT pg_sleep(1), guard_volatile()', { lookup: counting }),
    ).rejects.toThrow('pg_sleep');
    expect(calls).toBe(1);
  });
});

describe('the fixtures against the real retail schema, with the catalog', () => {
  it('accepts every legitimate query, and each one runs', async () => {
    for (const query of LEGITIMATE_QUERIES) {
      const guarded = await checkReadOnlySql(query.sql, { lookup });
      await db.admin.query('BEGIN READ ONLY');
      try {
        await db.admin.query(guarded.sql);
      } catch (error) {
        throw new Error(`${query.name}: ${(error as Error).message}`);
      } finally {
        await db.admin.query('ROLLBACK');
      }
    }
  });

  it('still refuses every guard attack, naming what was found', async () => {
    for (const attack of ATTACKS.filter((a) => a.expect === 'guard')) {
      const error = await checkReadOnlySql(attack.sql, { lookup }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, attack.name).toBeInstanceOf(attack.syntax ? SqlSyntaxError : GuardError);
      expect((error as Error).message.toLowerCase(), attack.name).toContain(attack.mentions!.toLowerCase());
    }
  });
});

describe('CatalogCache', () => {
  it('asks the catalog only about names it has not seen, and forgets after the TTL', async () => {
    let now = 0;
    const cache = new CatalogCache({ ttlMs: 1000, now: () => now });
    const asked: CatalogRequest[] = [];
    const counting: FunctionLookup = Object.assign((names: NameRef[]) => lookup(names), {
      resolve: async (request: CatalogRequest) => {
        asked.push(request);
        return lookup.resolve!(request);
      },
    });
    const cached = cache.wrap(counting);
    const sql = 'SELECT guard_immutable(w.id), w.name FROM widgets w WHERE w.id > 0';
    await checkReadOnlySql(sql, { lookup: cached });
    await checkReadOnlySql(sql, { lookup: cached });
    expect(asked).toHaveLength(1);
    // cached verdicts still refuse: a volatile function stays refused on the second check
    await expect(checkReadOnlySql('SELECT guard_volatile()', { lookup: cached })).rejects.toThrow('VOLATILE');
    await expect(checkReadOnlySql('SELECT guard_volatile()', { lookup: cached })).rejects.toThrow('VOLATILE');
    await expect(checkReadOnlySql('SELECT w.bump FROM widgets w', { lookup: cached })).rejects.toThrow(
      'bump',
    );
    await expect(checkReadOnlySql('SELECT w.bump FROM widgets w', { lookup: cached })).rejects.toThrow(
      'bump',
    );
    expect(asked).toHaveLength(3);
    expect(asked[1]).toEqual({ functions: [{ name: 'guard_volatile' }], operators: [], attributes: [] });
    now = 1001;
    await checkReadOnlySql(sql, { lookup: cached });
    expect(asked).toHaveLength(4);
    expect(cache.size).toBeGreaterThan(0);
  });

  it('keeps at most maxEntries', async () => {
    const cache = new CatalogCache({ maxEntries: 2 });
    await cache.wrap(lookup)([{ name: 'upper' }, { name: 'lower' }, { name: 'md5' }]);
    expect(cache.size).toBe(2);
  });
});

describe('syntax errors match the server', () => {
  it("gives PostgreSQL's own message and position, as the server reports them", async () => {
    for (const sql of [
      'SELECT * FORM retail.orders',
      "SELECT 'ééé'\nFROM WHERE",
      "SELECT 'oops",
      'SELECT (1 + 2',
    ]) {
      const server = (await db.admin.query(sql).then(
        () => undefined,
        (e: unknown) => e,
      )) as { message: string; position: string };
      const ours = (await checkReadOnlySql(sql).then(
        () => undefined,
        (e: unknown) => e,
      )) as SqlSyntaxError;
      expect(ours, sql).toBeInstanceOf(SqlSyntaxError);
      expect(ours.pgMessage, sql).toBe(server.message);
      expect(ours.position, sql).toBe(Number(server.position));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { checkReadOnlySql, GuardError } from '../../src/db/guard/index.js';
import { fingerprintSql, normalizeSql, parseSql, SqlSyntaxError } from '../../src/db/sql-parser.js';

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('parseSql', () => {
  it('splits statements with their own text, using character offsets', async () => {
    const parsed = await parseSql("SELECT 'éé'; /* x */ SELECT 2;");
    expect(parsed.statements.map((s) => s.text)).toEqual(["SELECT 'éé'", 'SELECT 2']);
    expect(parsed.statements[1].start).toBe(21);
    expect(parsed.statements[1].end).toBe(29);
    expect(Object.keys(parsed.statements[0].stmt)).toEqual(['SelectStmt']);
    expect(parsed.version).toBeGreaterThanOrEqual(150000);
  });

  it('gives no statements for empty or comment-only text', async () => {
    expect((await parseSql('')).statements).toEqual([]);
    expect((await parseSql('  -- nothing\n /* here */ ')).statements).toEqual([]);
  });

  it("reports PostgreSQL's syntax error message and 1-based position", async () => {
    const error = await caught(parseSql('SELECT * FORM retail.orders'));
    expect(error).toBeInstanceOf(SqlSyntaxError);
    const e = error as SqlSyntaxError;
    expect(e.pgMessage).toBe('syntax error at or near "FORM"');
    expect(e.position).toBe(10);
    expect(e.code).toBe('sql_syntax');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('SQL syntax error at or near "FORM" at position 10 (line 1, column 10)');
    expect(e.suggestion).toBeTruthy();
  });

  it('counts positions in characters and reports line and column', async () => {
    const e = (await caught(parseSql("SELECT 'ééé'\nFROM WHERE"))) as SqlSyntaxError;
    expect(e.position).toBe(19);
    expect([e.line, e.column]).toEqual([2, 6]);
  });

  it('reports an unterminated literal', async () => {
    const e = (await caught(parseSql("SELECT 'oops"))) as SqlSyntaxError;
    expect(e).toBeInstanceOf(SqlSyntaxError);
    expect(e.pgMessage).toMatch(/unterminated quoted string/);
    expect(e.position).toBe(8);
  });

  it('refuses NUL characters, which a C parser would silently stop at', async () => {
    const e = (await caught(parseSql('SELECT 1\u0000; DROP TABLE x'))) as SqlSyntaxError;
    expect(e).toBeInstanceOf(SqlSyntaxError);
    expect(e.message).toContain('NUL');
    expect(e.position).toBe(9);
  });
});

describe('normalizeSql and fingerprintSql', () => {
  it('replaces constants, never keeping literal values', async () => {
    const normalized = await normalizeSql(
      "SELECT * FROM retail.customers WHERE email = 'ann@example.com' AND customer_id > 42",
    );
    expect(normalized).toBe('SELECT * FROM retail.customers WHERE email = $1 AND customer_id > $2');
    expect(normalized).not.toContain('ann@example.com');
  });

  it('fingerprints equal for queries that differ only in constants and spacing', async () => {
    const a = await fingerprintSql('SELECT count(*) FROM retail.orders WHERE store_id = 1');
    const b = await fingerprintSql('select   count(*)\nfrom retail.orders where store_id = 7');
    const c = await fingerprintSql('SELECT count(*) FROM retail.order_items WHERE store_id = 1');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('raise the syntax error with its position', async () => {
    for (const run of [normalizeSql, fingerprintSql]) {
      const e = (await caught(run('SELECT FROM WHERE'))) as SqlSyntaxError;
      expect(e).toBeInstanceOf(SqlSyntaxError);
      expect(e.position).toBe(13);
    }
  });
});

describe('checkReadOnlySql', () => {
  it('refuses empty input with a clear error', async () => {
    for (const sql of ['', '   ', '-- just a comment', ';']) {
      const e = (await caught(checkReadOnlySql(sql))) as GuardError;
      expect(e).toBeInstanceOf(GuardError);
      expect(e.construct).toBe('empty');
      expect(e.message).toBe('SQL rejected: no statement: the SQL is empty or only comments');
      expect(e.exitCode).toBe(2);
    }
  });

  it('passes syntax errors through as SqlSyntaxError', async () => {
    const e = await caught(checkReadOnlySql('SELEC 1'));
    expect(e).toBeInstanceOf(SqlSyntaxError);
    expect((e as SqlSyntaxError).position).toBe(1);
  });

  it('returns the kind, the functions called and, on request, the normalized SQL', async () => {
    await expect(checkReadOnlySql('VALUES (1)')).resolves.toMatchObject({ kind: 'values' });
    await expect(checkReadOnlySql('/* t */ (TABLE retail.stores)')).resolves.toMatchObject({ kind: 'table' });
    const guarded = await checkReadOnlySql(
      "SELECT upper(store_name), pg_catalog.lower('X'), upper('y') FROM retail.stores WHERE store_id = 3",
      { normalize: true },
    );
    expect(guarded).toEqual({
      sql: "SELECT upper(store_name), pg_catalog.lower('X'), upper('y') FROM retail.stores WHERE store_id = 3",
      kind: 'select',
      functions: ['upper', 'pg_catalog.lower'],
      normalized:
        'SELECT upper(store_name), pg_catalog.lower($1), upper($2) FROM retail.stores WHERE store_id = $3',
    });
    expect((await checkReadOnlySql('SELECT 1')).normalized).toBeUndefined();
  });

  it('lists every problem it found, the first in the message', async () => {
    const e = (await caught(
      checkReadOnlySql("SELECT pg_sleep(1), pg_read_file('x') FROM t FOR UPDATE"),
    )) as GuardError;
    expect(e.violations.map((v) => v.construct)).toEqual(['locking_clause', 'function', 'function']);
    expect(e.message).toContain('(and 2 more problems)');
    expect(e.toJSON()).toMatchObject({ code: 'sql_rejected' });
  });

  it('refuses functions outside the allow list when no catalog is given', async () => {
    const e = (await caught(checkReadOnlySql('SELECT my_function(1)'))) as GuardError;
    expect(e.message).toBe(
      'SQL rejected: function my_function at position 8: it is not on the allow list of built-in read-only functions',
    );
    // an allow-listed name is trusted only unqualified or in pg_catalog
    expect(((await caught(checkReadOnlySql('SELECT public.upper(1)'))) as GuardError).message).toContain(
      'public.upper',
    );
  });

  it('accepts current_setting of app.* and listed settings only with a literal name', async () => {
    await expect(checkReadOnlySql("SELECT current_setting('app.current_rls_user_id')")).resolves.toBeTruthy();
    await expect(checkReadOnlySql("SELECT current_setting('TimeZone')")).resolves.toBeTruthy();
    const e = (await caught(checkReadOnlySql("SELECT current_setting('config_file')"))) as GuardError;
    expect(e.construct).toBe('setting');
  });

  it('accepts the functions the grammar itself writes for SQL syntax', async () => {
    for (const sql of [
      "SELECT 'abc' SIMILAR TO 'a%' ESCAPE '#'",
      "SELECT 'a' LIKE 'a#%' ESCAPE '#'",
      "SELECT now() AT TIME ZONE 'UTC'",
      "SELECT (DATE '2020-01-01', DATE '2020-02-01') OVERLAPS (DATE '2020-01-15', DATE '2020-03-01')",
      "SELECT 'a' IS NORMALIZED, COLLATION FOR ('a')",
      "SELECT trim(leading 'x' from 'xa'), overlay('abc' placing 'x' from 2), substring('abc' similar 'a' escape '#')",
      'SELECT EXTRACT(EPOCH FROM now()), CURRENT_DATE, CURRENT_USER',
      "SELECT 1 BETWEEN SYMMETRIC 2 AND 0, 'ab' ILIKE ANY (ARRAY['a%']), |/ 4.0, '{}'::jsonb ? 'a'",
      'SELECT 1 WHERE 1 = ANY (SELECT 1) AND 2 > ALL (SELECT 1) ORDER BY 1 USING <',
    ]) {
      await expect(checkReadOnlySql(sql), sql).resolves.toBeTruthy();
    }
  });

  it('reports positions in characters after non-ASCII text', async () => {
    const e = (await caught(checkReadOnlySql("SELECT 'é€😀', pg_sleep(1)"))) as GuardError;
    expect(e.position).toBe(15); // as PostgreSQL reports it: code points, the emoji counts once
  });

  it('refuses SQL longer than the limit before parsing it', async () => {
    const e = (await caught(
      checkReadOnlySql(`SELECT ${'1 + '.repeat(30)}1`, { maxLength: 50 }),
    )) as GuardError;
    expect(e.construct).toBe('too_long');
    expect(e.message).toBe('SQL rejected: 128 characters of SQL: the limit is 50');
    await expect(checkReadOnlySql(`SELECT 1 WHERE 1 IN (${'1,'.repeat(60_000)}1)`)).rejects.toThrow(
      'the limit is 100000',
    );
  });

  it('walks deeply nested calls without overflowing the stack', async () => {
    const nested = (fn: string, depth: number) => `SELECT ${`${fn}(`.repeat(depth)}1${')'.repeat(depth)}`;
    await expect(checkReadOnlySql(nested('abs', 3000))).resolves.toMatchObject({ functions: ['abs'] });
    const e = (await caught(
      checkReadOnlySql(nested('abs', 2000).replace('abs(1)', 'pg_sleep(1)')),
    )) as GuardError;
    expect(e).toBeInstanceOf(GuardError);
    expect(e.message).toContain('pg_sleep');
  });
});

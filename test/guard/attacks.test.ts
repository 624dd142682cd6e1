import { describe, expect, it } from 'vitest';
import { checkReadOnlySql, GuardError } from '../../src/db/guard/index.js';
import { SqlSyntaxError } from '../../src/db/sql-parser.js';
import { ATTACKS, LEGITIMATE_QUERIES } from '../fixtures/attacks.js';

describe('attack fixtures', () => {
  it('has the size the issue asks for, with unique names', () => {
    expect(ATTACKS.length).toBeGreaterThanOrEqual(70);
    expect(LEGITIMATE_QUERIES.length).toBeGreaterThanOrEqual(25);
    expect(new Set(ATTACKS.map((a) => a.name)).size).toBe(ATTACKS.length);
    expect(new Set(LEGITIMATE_QUERIES.map((q) => q.name)).size).toBe(LEGITIMATE_QUERIES.length);
  });
});

describe('every guard attack is refused, naming what was found', () => {
  for (const attack of ATTACKS.filter((a) => a.expect === 'guard')) {
    it(`${attack.category}: ${attack.name}`, async () => {
      const error = await checkReadOnlySql(attack.sql).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, 'accepted').toBeDefined();
      if (attack.syntax) {
        expect(error).toBeInstanceOf(SqlSyntaxError);
      } else {
        expect(error).toBeInstanceOf(GuardError);
        expect((error as GuardError).code).toBe('sql_rejected');
        expect((error as GuardError).exitCode).toBe(2);
        expect((error as GuardError).suggestion).toBeTruthy();
      }
      expect((error as Error).message.toLowerCase()).toContain(attack.mentions!.toLowerCase());
    });
  }
});

describe('huge results pass the guard (the caps and the timeout stop them)', () => {
  for (const attack of ATTACKS.filter((a) => a.expect === 'cap-or-timeout')) {
    it(attack.name, async () => {
      await expect(checkReadOnlySql(attack.sql)).resolves.toMatchObject({ sql: attack.sql });
    });
  }
});

describe('every legitimate analyst query is accepted without a catalog', () => {
  for (const query of LEGITIMATE_QUERIES) {
    it(query.name, async () => {
      const guarded = await checkReadOnlySql(query.sql);
      expect(guarded.sql).toBe(query.sql);
      expect(['select', 'values', 'table']).toContain(guarded.kind);
    });
  }
});

import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { classifyDbError } from '../../src/db/errors.js';
import { adminUrl } from '../support/database.js';

describe('classifyDbError', () => {
  const cases: Array<[string, object, string, number]> = [
    [
      'connection refused',
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' },
      'db_unreachable',
      69,
    ],
    ['pool wait timeout', { message: 'timeout exceeded when trying to connect' }, 'db_unreachable', 69],
    [
      'wrong password',
      { code: '28P01', message: 'password authentication failed for user "x"' },
      'db_auth_failed',
      78,
    ],
    [
      'missing database',
      { code: '3D000', message: 'database "nope" does not exist' },
      'db_database_missing',
      78,
    ],
    [
      'admin shutdown',
      { code: '57P01', message: 'terminating connection due to administrator command' },
      'db_unreachable',
      69,
    ],
    [
      'statement timeout',
      { code: '57014', message: 'canceling statement due to statement timeout' },
      'db_timeout',
      2,
    ],
    ['permission', { code: '42501', message: 'permission denied for table orders' }, 'db_permission', 2],
    [
      'read only',
      { code: '25006', message: 'cannot execute INSERT in a read-only transaction' },
      'db_read_only',
      2,
    ],
    ['syntax', { code: '42601', message: 'syntax error at or near "form"', position: '10' }, 'db_syntax', 2],
    ['undefined table', { code: '42P01', message: 'relation "x" does not exist' }, 'db_not_found', 2],
  ];
  for (const [name, error, code, exitCode] of cases) {
    it(`${name} → ${code} (exit ${exitCode})`, () => {
      const classified = classifyDbError(error, 'postgres://u@h:5432/d');
      expect(classified.code).toBe(code);
      expect(classified.exitCode).toBe(exitCode);
    });
  }

  it('classifies a real syntax error from the server with its position', async () => {
    const client = new pg.Client({ connectionString: adminUrl('postgres') });
    await client.connect();
    try {
      const error = await client.query('SELECT * FROM FROM').catch((e: unknown) => e);
      const classified = classifyDbError(error);
      expect(classified.message).toBe('syntax error: syntax error at or near "FROM" (at character 15)');
    } finally {
      await client.end();
    }
  });

  it('classifies a real refused connection without printing a password', async () => {
    const client = new pg.Client({ connectionString: 'postgres://u:hidden-pw@127.0.0.1:1/x' });
    const error = await client.connect().catch((e: unknown) => e);
    const classified = classifyDbError(error, 'postgres://u@127.0.0.1:1/x');
    expect(classified.exitCode).toBe(69);
    expect(classified.message).not.toContain('hidden-pw');
  });
});

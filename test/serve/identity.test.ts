import { describe, expect, test } from 'vitest';
import { HEAD_OFFICE_ID, STORES } from '../../src/db/stores.js';
import { ExitCode } from '../../src/errors.js';
import {
  IdentityError,
  type KnownStore,
  loadStoreDirectory,
  resolveIdentity,
} from '../../src/mcp/identity.js';
import { createSchemaCache } from '../../src/mcp/schema/cache.js';
import type { Catalog } from '../../src/mcp/schema/catalog.js';

const known: KnownStore[] = STORES.map((s) => ({
  name: s.name,
  rlsUserId: s.rlsUserId,
  isOnline: s.isOnline,
}));
const directory = () => loadStoreDirectory(async () => known);
const seattle = STORES[0];

describe('resolveIdentity', () => {
  test.each([
    ['stdio --store exact', { kind: 'stdio', store: 'Zava Retail Seattle' }, seattle.rlsUserId],
    ['stdio --store any case', { kind: 'stdio', store: '  zava retail SEATTLE ' }, seattle.rlsUserId],
    ['stdio head office', { kind: 'stdio', store: 'Head Office' }, HEAD_OFFICE_ID],
    [
      'stdio --rls-user-id upper case',
      { kind: 'stdio', rlsUserId: seattle.rlsUserId.toUpperCase() },
      seattle.rlsUserId,
    ],
    [
      'stdio both flags agreeing',
      { kind: 'stdio', store: 'Zava Retail Seattle', rlsUserId: seattle.rlsUserId },
      seattle.rlsUserId,
    ],
    ['stdio nothing', { kind: 'stdio' }, null],
    ['http header', { kind: 'http', headers: { 'x-rls-user-id': seattle.rlsUserId } }, seattle.rlsUserId],
    ['http head office', { kind: 'http', headers: { 'x-rls-user-id': HEAD_OFFICE_ID } }, HEAD_OFFICE_ID],
    ['http no header', { kind: 'http', headers: {} }, null],
  ] as const)('%s', async (_name, claim, expected) => {
    const identity = await resolveIdentity(claim as never, await directory());
    expect(identity?.rlsUserId ?? null).toBe(expected);
    if (expected === HEAD_OFFICE_ID) expect(identity?.headOffice).toBe(true);
  });

  test.each([
    ['stdio unknown store', { kind: 'stdio', store: 'Zava Retail Paris' }, /is not a store/, ExitCode.usage],
    ['stdio malformed id', { kind: 'stdio', rlsUserId: 'seattle' }, /not a UUID/, ExitCode.usage],
    [
      'stdio unknown id',
      { kind: 'stdio', rlsUserId: '11111111-1111-1111-1111-111111111111' },
      /not the rls_user_id/,
      ExitCode.usage,
    ],
    [
      'stdio flags disagree',
      { kind: 'stdio', store: 'Zava Retail Tacoma', rlsUserId: seattle.rlsUserId },
      /name different stores/,
      ExitCode.usage,
    ],
    [
      'http malformed',
      { kind: 'http', headers: { 'x-rls-user-id': "' OR 1=1" } },
      /not a UUID/,
      ExitCode.failure,
    ],
    [
      'http unknown',
      { kind: 'http', headers: { 'x-rls-user-id': '11111111-1111-1111-1111-111111111111' } },
      /not the rls_user_id/,
      ExitCode.failure,
    ],
    ['http empty', { kind: 'http', headers: { 'x-rls-user-id': ' ' } }, /is empty/, ExitCode.failure],
    [
      'http twice',
      { kind: 'http', headers: { 'x-rls-user-id': [seattle.rlsUserId, HEAD_OFFICE_ID] } },
      /more than once/,
      ExitCode.failure,
    ],
  ] as const)('refuses %s', async (_name, claim, message, exitCode) => {
    const error = await resolveIdentity(claim as never, await directory()).catch((e) => e);
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(exitCode);
    expect(error.suggestion).toMatch(
      /flags disagree|twice/.test(_name) ? /only one|exactly one/ : /Zava Retail Seattle/,
    );
    if (claim.kind === 'http') expect(error).toBeInstanceOf(IdentityError);
  });

  test('a store added to the database is found after the refresh interval', async () => {
    let now = 0;
    const stores = [...known];
    const dir = await loadStoreDirectory(async () => [...stores], { refreshMs: 1000, now: () => now });
    const added = {
      name: 'Zava Retail Tacoma North',
      rlsUserId: '12345678-1234-1234-1234-123456789abc',
      isOnline: false,
    };
    stores.push(added);
    expect(await dir.find(added.rlsUserId)).toBeUndefined();
    now = 5000;
    expect(await dir.find(added.rlsUserId)).toEqual(added);
  });
});

describe('schema cache', () => {
  const catalog = (tag: string) => ({ categories: [tag] }) as unknown as Catalog;

  test('entries are per identity, expire, and failed loads are not kept', async () => {
    let now = 0;
    const cache = createSchemaCache({ ttlMs: 1000, now: () => now });
    let loads = 0;
    const load = (tag: string) => async () => {
      loads += 1;
      return catalog(tag);
    };
    expect((await cache.get('a', load('a'))).categories).toEqual(['a']);
    expect((await cache.get('b', load('b'))).categories).toEqual(['b']);
    expect((await cache.get('a', load('x'))).categories).toEqual(['a']);
    expect(loads).toBe(2);
    now = 2000;
    expect((await cache.get('a', load('a2'))).categories).toEqual(['a2']);
    await expect(cache.get('c', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect((await cache.get('c', load('c'))).categories).toEqual(['c']);
    const off = createSchemaCache({ ttlMs: 0 });
    await off.get('a', load('1'));
    expect((await off.get('a', load('2'))).categories).toEqual(['2']);
  });
});

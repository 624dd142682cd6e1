import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_STATEMENT_TIMEOUT_MS } from '../../src/config/schema.js';
import { STORES } from '../../src/db/stores.js';
import type { RunningServe } from '../../src/mcp/serve.js';
import { callTool } from '../serve/support.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { initialize, sdkClient, serveHttp } from './harness.js';

const seattle = STORES[0];

let db: ZavaTestDatabase;
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let dir: string;
let revocations: string;
let running: RunningServe;

function token(claims: Record<string, unknown>) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256' })
    .setAudience('mcp-server')
    .setIssuer('zava-auth')
    .setSubject('tester')
    .setExpirationTime('5m')
    .sign(keys.privateKey);
}

async function status(claims: Record<string, unknown>, headers: Record<string, string> = {}) {
  const answer = await initialize(running.url!, {
    authorization: `Bearer ${await token(claims)}`,
    ...headers,
  });
  return { status: answer.status, body: answer.body };
}

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  keys = await generateKeyPair('RS256');
  dir = await mkdtemp(join(tmpdir(), 'mcpops-claims-'));
  revocations = join(dir, 'revoked.txt');
  await writeFile(
    revocations,
    ['# revoked token ids', 'abc#1', '"#leading-hash"', 'plain-id # revoked for a test', '"  spaced  "'].join(
      '\n',
    ),
  );
  running = await serveHttp(db.loginUrl, {
    MCPOPS_AUTH: 'jwt',
    MCPOPS_JWT_PUBLIC_KEY: await exportSPKI(keys.publicKey),
    MCPOPS_REVOCATION_FILE: revocations,
    // A literal: in an object literal `__proto__:` would set the prototype, not a key.
    MCPOPS_AUTH_REGIONS: `{"__proto__":["${seattle.name}"],"west":["${seattle.name}"]}`,
    MCPOPS_AUTH_FAILURES_PER_MINUTE: '1000',
  });
});
afterAll(async () => {
  await running?.stop();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('claims cannot reach prototypes', () => {
  test.each([[['__proto__', 'constructor']], [['toString', 'hasOwnProperty']], [['constructor']]])(
    'regional_manager with allowed_regions %j is a clean 403, not 500',
    async (regions) => {
      // "__proto__" is a region the operator configured above; the others are not.
      const answer = await status({ role: 'regional_manager', allowed_regions: regions });
      if (regions.includes('__proto__')) expect(answer.status).toBe(200);
      else {
        expect(answer.status).toBe(403);
        expect(answer.body).toContain('allows no store');
      }
    },
  );

  test('a configured region named __proto__ is just a name', async () => {
    const jwt = await token({ role: 'regional_manager', allowed_regions: ['__proto__'] });
    const client = await sdkClient(running.url!, { authorization: `Bearer ${jwt}` });
    try {
      const answer = await callTool(client, 'execute_sales_query', {
        postgresql_query: "SELECT current_setting('app.current_rls_user_id', true) AS who",
      });
      expect(answer.json.r[0][0]).toBe(seattle.rlsUserId);
    } finally {
      await client.close();
    }
  });

  test.each([['__proto__'], ['constructor'], ['toString']])('role %s is 403 unknown role', async (role) => {
    const answer = await status({ role });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('no known role');
  });

  test('store_manager naming prototype keys as stores: 403', async () => {
    const answer = await status({ role: 'store_manager', allowed_stores: ['__proto__', 'constructor'] });
    expect(answer.status).toBe(403);
  });
});

describe('revocation matches any jti exactly', () => {
  test.each([
    ['abc#1', 401],
    ['#leading-hash', 401],
    ['plain-id', 401],
    ['  spaced  ', 401],
    ['abc', 200],
    ['abc#', 200],
    ['plain', 200],
  ])('jti %j → %i', async (jti, expected) => {
    const answer = await status({ role: 'store_manager', allowed_stores: [seattle.name], jti });
    expect(answer.status, answer.body).toBe(expected);
    if (expected === 401) expect(answer.body).toContain('revoked');
  });

  test.each([[42], [{ id: 'abc#1' }], [['abc#1']]])('a non-string jti %j is refused (401)', async (jti) => {
    const answer = await status({ role: 'store_manager', allowed_stores: [seattle.name], jti });
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('jti');
  });
});

describe('the largest accepted statement timeout works end to end', () => {
  test('a call runs with MCPOPS_STATEMENT_TIMEOUT_MS at its maximum', async () => {
    const wide = await serveHttp(db.loginUrl, {
      MCPOPS_STATEMENT_TIMEOUT_MS: String(MAX_STATEMENT_TIMEOUT_MS),
    });
    const client = await sdkClient(wide.url!, { 'x-rls-user-id': seattle.rlsUserId });
    try {
      const answer = await callTool(client, 'execute_sales_query', { postgresql_query: 'SELECT 1 AS one' });
      expect(answer.json).toEqual({ c: ['one'], r: [[1]], n: 1 });
    } finally {
      await client.close();
      await wide.stop();
    }
  });
});

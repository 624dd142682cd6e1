import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAD_OFFICE_ID, STORES } from '../../src/db/stores.js';
import { authorizeIdentity, parseRegionMap } from '../../src/mcp/auth/authorize.js';
import { AuthError } from '../../src/mcp/auth/errors.js';
import { createJwtVerifier } from '../../src/mcp/auth/jwt.js';
import { fileRevocationList, redisRevocationList } from '../../src/mcp/auth/revocation.js';

const stores = STORES.map((s) => ({ name: s.name, rlsUserId: s.rlsUserId }));
const seattle = STORES[0].rlsUserId;
const bellevue = STORES[1].rlsUserId;
const redmond = STORES.find((s) => s.name.endsWith('Redmond'))!.rlsUserId;

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;
let rsa: Keys;
let ec: Keys;
let jwks: Server;
let jwksUrl: string;

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  ec = await generateKeyPair('ES256');
  const keys = [
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  ];
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

function sign(
  claims: Record<string, unknown>,
  options: { key?: 'rsa' | 'ec'; exp?: string | number | null; aud?: string; iss?: string } = {},
) {
  const key = options.key === 'ec' ? ec : rsa;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({
      alg: options.key === 'ec' ? 'ES256' : 'RS256',
      kid: options.key === 'ec' ? 'ec-1' : 'rsa-1',
    })
    .setIssuedAt()
    .setAudience(options.aud ?? 'mcp-server')
    .setIssuer(options.iss ?? 'zava-auth')
    .setSubject('user-1');
  if (options.exp !== null) jwt = jwt.setExpirationTime(options.exp ?? '10m');
  return jwt.sign(key.privateKey);
}

const base = { audience: 'mcp-server', issuer: 'zava-auth', clockToleranceSeconds: 30 };

describe('bearer token verification', () => {
  it('accepts RS256 and ES256 tokens from a JWKS URL', async () => {
    const verify = await createJwtVerifier({ ...base, jwksUrl });
    expect((await verify(await sign({ role: 'super_admin' }))).role).toBe('super_admin');
    expect(
      (await verify(await sign({ role: 'store_manager', allowed_stores: [seattle] }, { key: 'ec' })))
        .allowedStores,
    ).toEqual([seattle]);
  });

  it('accepts a token signed for a PEM public key', async () => {
    const verify = await createJwtVerifier({ ...base, publicKeyPem: await exportSPKI(ec.publicKey) });
    expect((await verify(await sign({ role: 'super_admin' }, { key: 'ec' }))).subject).toBe('user-1');
  });

  const rejections: Array<[string, () => Promise<string>, RegExp]> = [
    [
      'a bad signature',
      async () => `${(await sign({ role: 'super_admin' })).slice(0, -4)}AAAA`,
      /signature does not verify/,
    ],
    [
      'a wrong audience',
      () => sign({ role: 'super_admin' }, { aud: 'other-api' }),
      /aud claim is not accepted/,
    ],
    ['a wrong issuer', () => sign({ role: 'super_admin' }, { iss: 'evil' }), /iss claim is not accepted/],
    [
      'an expired token',
      () => sign({ role: 'super_admin' }, { exp: Math.floor(Date.now() / 1000) - 120 }),
      /has expired/,
    ],
    ['a token without exp', () => sign({ role: 'super_admin' }, { exp: null }), /exp claim is not accepted/],
    ['garbage', async () => 'not.a.jwt', /malformed/],
  ];
  for (const [name, make, pattern] of rejections) {
    it(`refuses ${name} with 401`, async () => {
      const verify = await createJwtVerifier({ ...base, jwksUrl });
      const error = await verify(await make()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).status).toBe(401);
      expect((error as AuthError).message).toMatch(pattern);
    });
  }

  it('allows a small clock skew on exp', async () => {
    const verify = await createJwtVerifier({ ...base, jwksUrl });
    const token = await sign({ role: 'super_admin' }, { exp: Math.floor(Date.now() / 1000) - 10 });
    expect((await verify(token)).role).toBe('super_admin');
  });

  it('refuses a token without a known role with 403', async () => {
    const verify = await createJwtVerifier({ ...base, jwksUrl });
    await expect(verify(await sign({ role: 'intern' }))).rejects.toMatchObject({ status: 403 });
  });

  it('refuses revoked token ids from a file, reloaded without restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpops-revoke-'));
    const file = join(dir, 'revoked.txt');
    await writeFile(file, '# revoked\n');
    const verify = await createJwtVerifier({ ...base, jwksUrl, revocation: fileRevocationList(file, 0) });
    const token = await new SignJWT({ role: 'super_admin' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setJti('token-42')
      .setAudience('mcp-server')
      .setIssuer('zava-auth')
      .setExpirationTime('5m')
      .sign(rsa.privateKey);
    expect((await verify(token)).tokenId).toBe('token-42');
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(file, 'token-42\n');
    await expect(verify(token)).rejects.toThrow(/revoked/);
  });

  it('refuses revoked token ids from a Redis set', async () => {
    const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const key = `mcpops:test:revoked:${Date.now()}`;
    try {
      const verify = await createJwtVerifier({
        ...base,
        jwksUrl,
        revocation: redisRevocationList(redis, key),
      });
      const token = await new SignJWT({ role: 'super_admin' })
        .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
        .setJti('redis-token')
        .setAudience('mcp-server')
        .setIssuer('zava-auth')
        .setExpirationTime('5m')
        .sign(rsa.privateKey);
      await verify(token);
      await redis.sadd(key, 'redis-token');
      await expect(verify(token)).rejects.toThrow(/revoked/);
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });
});

describe('role → store mapping', () => {
  const regions = parseRegionMap(
    JSON.stringify({ eastside: ['Zava Retail Bellevue', 'Zava Retail Redmond', 'Zava Retail Kirkland'] }),
  );
  const principal = (role: 'super_admin' | 'regional_manager' | 'store_manager', extra: object = {}) => ({
    subject: 's',
    role,
    allowedStores: [],
    allowedRegions: [],
    ...extra,
  });

  it('super_admin may act as any store and as head office, but must choose', () => {
    const admin = principal('super_admin');
    expect(authorizeIdentity(admin, HEAD_OFFICE_ID, stores, regions)).toBe(HEAD_OFFICE_ID);
    expect(authorizeIdentity(admin, seattle, stores, regions)).toBe(seattle);
    expect(() => authorizeIdentity(admin, undefined, stores, regions)).toThrow(/choose a store/);
  });

  it('regional_manager acts as the stores of its regions only', () => {
    const manager = principal('regional_manager', { allowedRegions: ['eastside'] });
    expect(authorizeIdentity(manager, bellevue, stores, regions)).toBe(bellevue);
    expect(authorizeIdentity(manager, redmond, stores, regions)).toBe(redmond);
    expect(() => authorizeIdentity(manager, seattle, stores, regions)).toThrow(
      /may not act as Zava Retail Seattle/,
    );
    expect(() => authorizeIdentity(manager, HEAD_OFFICE_ID, stores, regions)).toThrow(
      /may not act as head office/,
    );
  });

  it('store_manager acts as its allowed stores (by id or name), defaulting to its only store', () => {
    const manager = principal('store_manager', { allowedStores: ['Zava Retail Seattle'] });
    expect(authorizeIdentity(manager, undefined, stores, regions)).toBe(seattle);
    expect(authorizeIdentity(manager, seattle, stores, regions)).toBe(seattle);
    const error = (() => {
      try {
        authorizeIdentity(manager, bellevue, stores, regions);
      } catch (e) {
        return e as AuthError;
      }
    })();
    expect(error?.status).toBe(403);
  });

  it('refuses a malformed or unknown x-rls-user-id', () => {
    const admin = principal('super_admin');
    expect(() => authorizeIdentity(admin, 'drop table', stores, regions)).toThrow(/must be a store UUID/);
    expect(() => authorizeIdentity(admin, '11111111-1111-1111-1111-111111111111', stores, regions)).toThrow(
      /names no known store/,
    );
  });
});

import { request } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Redis } from 'ioredis';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assertConfigValid, loadConfig } from '../../src/config/load.js';
import { secretValues } from '../../src/config/secret.js';
import { HEAD_OFFICE_ID, STORES } from '../../src/db/stores.js';
import { createLogger, silentLogger } from '../../src/mcp/log.js';
import { type RunningServe, startServe } from '../../src/mcp/serve.js';
import { callTool, ordersPerStore } from '../serve/support.js';
import { runCli } from '../support/cli.js';
import { startProxy } from '../support/tcp-proxy.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';

const seattle = STORES[0].rlsUserId;
const bellevue = STORES[1].rlsUserId;
const redmond = STORES.find((s) => s.name.endsWith('Redmond'))!.rlsUserId;
const COUNT = { postgresql_query: 'SELECT count(*) FROM retail.orders' };

let db: ZavaTestDatabase;
let truth: Map<string, number>;
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let publicPem: string;

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  truth = await ordersPerStore(db.admin);
  keys = await generateKeyPair('RS256');
  publicPem = await exportSPKI(keys.publicKey);
});
afterAll(async () => {
  await db?.drop();
});

async function serve(
  env: Record<string, string>,
  log = silentLogger,
  databaseUrl = db.loginUrl,
): Promise<RunningServe> {
  const loaded = await loadConfig({
    env: { DATABASE_URL: databaseUrl, MCPOPS_HTTP_PORT: '0', MCPOPS_STATEMENT_TIMEOUT_MS: '5000', ...env },
    cwd: tmpdir(),
  });
  return startServe({ config: assertConfigValid(loaded), http: true, stateless: false, log });
}

async function client(url: string, headers: Record<string, string>): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const c = new Client({ name: 'prod-test', version: '0.0.0' });
  await c.connect(transport);
  return c;
}

function token(claims: Record<string, unknown>, expires: string | number = '5m') {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256' })
    .setAudience('mcp-server')
    .setIssuer('zava-auth')
    .setSubject('tester')
    .setExpirationTime(expires)
    .sign(keys.privateKey);
}

function post(url: string, headers: Record<string, string>) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
}

describe('JWT authentication over HTTP', () => {
  let running: RunningServe;
  beforeAll(async () => {
    running = await serve({
      MCPOPS_AUTH: 'jwt',
      MCPOPS_JWT_PUBLIC_KEY: publicPem,
      MCPOPS_AUTH_REGIONS: JSON.stringify({ eastside: ['Zava Retail Bellevue', 'Zava Retail Redmond'] }),
      MCPOPS_AUTHORIZATION_SERVERS: 'https://login.zava.example',
    });
  });
  afterAll(() => running?.stop());

  test('no token: 401 with WWW-Authenticate pointing at the protected-resource metadata', async () => {
    const answer = await post(running.url!, {});
    expect(answer.status).toBe(401);
    const challenge = answer.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(
      /^Bearer realm="mcp", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource"$/,
    );
    const metadata = await (await fetch(challenge.match(/resource_metadata="([^"]+)"/)![1])).json();
    expect(metadata).toMatchObject({
      resource: running.url,
      authorization_servers: ['https://login.zava.example'],
    });
  });

  test('a bad, expired or foreign-key token is 401 with the reason', async () => {
    const other = await generateKeyPair('RS256');
    const foreign = await new SignJWT({ role: 'super_admin' })
      .setProtectedHeader({ alg: 'RS256' })
      .setAudience('mcp-server')
      .setIssuer('zava-auth')
      .setExpirationTime('5m')
      .sign(other.privateKey);
    for (const [bad, reason] of [
      ['not-a-token', /malformed/],
      [foreign, /signature does not verify/],
      [await token({ role: 'super_admin' }, Math.floor(Date.now() / 1000) - 600), /expired/],
    ] as const) {
      const answer = await post(running.url!, { authorization: `Bearer ${bad}` });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(JSON.stringify(await answer.json())).toMatch(reason);
    }
  });

  test('a store manager sees its store and is refused another (403)', async () => {
    const jwt = await token({ role: 'store_manager', allowed_stores: ['Zava Retail Seattle'] });
    const own = await client(running.url!, { authorization: `Bearer ${jwt}` });
    expect((await callTool(own, 'execute_sales_query', COUNT)).json.r[0][0]).toBe(truth.get(seattle));
    await own.close();
    const answer = await post(running.url!, { authorization: `Bearer ${jwt}`, 'x-rls-user-id': bellevue });
    expect(answer.status).toBe(403);
    expect(JSON.stringify(await answer.json())).toContain('may not act as Zava Retail Bellevue');
  });

  test('a regional manager acts as the stores of its region; a super admin as head office', async () => {
    const regional = await token({ role: 'regional_manager', allowed_regions: ['eastside'] });
    const asRedmond = await client(running.url!, {
      authorization: `Bearer ${regional}`,
      'x-rls-user-id': redmond,
    });
    expect((await callTool(asRedmond, 'execute_sales_query', COUNT)).json.r[0][0]).toBe(truth.get(redmond));
    await asRedmond.close();
    expect(
      (await post(running.url!, { authorization: `Bearer ${regional}`, 'x-rls-user-id': seattle })).status,
    ).toBe(403);
    const admin = await token({ role: 'super_admin' });
    const office = await client(running.url!, {
      authorization: `Bearer ${admin}`,
      'x-rls-user-id': HEAD_OFFICE_ID,
    });
    const total = [...truth.values()].reduce((a, b) => a + b, 0);
    expect((await callTool(office, 'execute_sales_query', COUNT)).json.r[0][0]).toBe(total);
    await office.close();
  });
});

describe('limits, cache, breaker and hygiene', () => {
  test('two servers sharing Redis hold one combined rate per identity (429 with Retry-After)', async () => {
    const redis = new Redis('redis://127.0.0.1:6379');
    await redis.del(`mcpops:rate:id:${seattle}`);
    const env = {
      REDIS_URL: 'redis://127.0.0.1:6379',
      MCPOPS_RATE_LIMIT_BURST: '5',
      MCPOPS_RATE_LIMIT_PER_MINUTE: '1',
    };
    const [a, b] = await Promise.all([serve(env), serve(env)]);
    try {
      const answers = [];
      for (let i = 0; i < 12; i++)
        answers.push(await post((i % 2 ? a : b).url!, { 'x-rls-user-id': seattle }));
      const limited = answers.filter((r) => r.status === 429);
      expect(answers.length - limited.length).toBe(5);
      expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await redis.del(`mcpops:rate:id:${seattle}`);
      redis.disconnect();
    }
  });

  test('the result cache answers repeats per identity and never across identities', async () => {
    const running = await serve({});
    try {
      const asSeattle = await client(running.url!, { 'x-rls-user-id': seattle });
      const asRedmond = await client(running.url!, { 'x-rls-user-id': redmond });
      const spaced = { postgresql_query: 'select   COUNT(*)  from retail.orders -- again' };
      expect((await callTool(asSeattle, 'execute_sales_query', COUNT)).json.r[0][0]).toBe(truth.get(seattle));
      expect((await callTool(asSeattle, 'execute_sales_query', spaced)).json.r[0][0]).toBe(
        truth.get(seattle),
      );
      expect((await callTool(asRedmond, 'execute_sales_query', COUNT)).json.r[0][0]).toBe(truth.get(redmond));
      const metrics = await (await fetch(running.url!.replace(/\/mcp$/, '/metrics'))).text();
      expect(metrics).toMatch(/mcpops_cache_lookups_total\{result="hit"\} 1\b/);
      expect(metrics).toMatch(/mcpops_cache_lookups_total\{result="miss"\} 2\b/);
      await Promise.all([asSeattle.close(), asRedmond.close()]);
    } finally {
      await running.stop();
    }
  });

  test('a dead database opens the breaker (fast, clear errors) and service resumes by itself', async () => {
    const real = new URL(db.loginUrl);
    let proxy = await startProxy({ host: real.hostname, port: Number(real.port || 5432) });
    const via = new URL(db.loginUrl);
    via.port = String(proxy.port);
    const running = await serve(
      { MCPOPS_CACHE_TTL_SECONDS: '0', MCPOPS_BREAKER_FAILURES: '2', MCPOPS_BREAKER_RESET_SECONDS: '1' },
      silentLogger,
      via.toString(),
    );
    const c = await client(running.url!, { 'x-rls-user-id': seattle });
    try {
      await proxy.stop();
      // The database "dies": its port still answers, but every connection is dropped at once.
      let attempts = 0;
      const dead = net.createServer((socket) => {
        attempts += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => dead.listen(Number(via.port), '127.0.0.1', () => resolve()));
      for (let i = 0; i < 2; i++)
        expect((await callTool(c, 'execute_sales_query', COUNT)).json.err).toMatch(/not reachable/);
      const attemptsWhenOpened = attempts;
      expect(attemptsWhenOpened).toBeGreaterThan(0);
      const open = await callTool(c, 'execute_sales_query', COUNT);
      expect(open.isError).toBe(true);
      expect(open.json.err).toMatch(/circuit open after 2 failures\); nothing was run/);
      expect(attempts).toBe(attemptsWhenOpened); // failed fast: the database was not tried
      expect(await (await fetch(running.url!.replace(/\/mcp$/, '/metrics'))).text()).toMatch(
        /mcpops_db_breaker_state 2/,
      );
      await new Promise<void>((resolve) => dead.close(() => resolve()));
      proxy = await startProxy({ host: real.hostname, port: Number(real.port || 5432) }, Number(via.port));
      await new Promise((r) => setTimeout(r, 1100));
      expect((await callTool(c, 'execute_sales_query', COUNT)).json.r[0][0]).toBe(truth.get(seattle));
    } finally {
      await c.close();
      await running.stop();
      await proxy.stop();
    }
  });

  test('a foreign Host or Origin (DNS rebinding) is refused; security headers are set', async () => {
    const running = await serve({});
    const { port } = new URL(running.url!);
    const status = (headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/health', headers }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, headers: res.headers });
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect((await status({ host: `attacker.example:${port}` })).status).toBe(403);
      expect((await status({ host: `127.0.0.1:${port}`, origin: 'http://attacker.example' })).status).toBe(
        403,
      );
      const ok = await status({ host: `localhost:${port}` });
      expect(ok.status).toBe(200);
      expect(ok.headers['x-content-type-options']).toBe('nosniff');
      expect(ok.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await running.stop();
    }
  });

  test('logs and /metrics carry no secret, whatever path a secret takes', async () => {
    const lines: string[] = [];
    const secretPw = 'Pw-Should-Never-Print-91';
    const apiKey = 'azure-openai-key-should-not-print-42';
    const url = new URL(db.loginUrl);
    url.password = secretPw; // trust auth on loopback ignores it, so the server still starts
    const env = {
      DATABASE_URL: url.toString(),
      AZURE_OPENAI_API_KEY: apiKey,
      MCPOPS_AUTH: 'jwt',
      MCPOPS_JWT_PUBLIC_KEY: publicPem,
    };
    const config = assertConfigValid(
      await loadConfig({ env: { ...env, MCPOPS_HTTP_PORT: '0' }, cwd: tmpdir() }),
    );
    const log = createLogger('debug', (line) => lines.push(line), secretValues(config));
    const running = await serve(env, log, url.toString());
    try {
      await post(running.url!, { authorization: `Bearer ${secretPw}.${apiKey}.x` });
      const jwt = await token({ role: 'super_admin' });
      const c = await client(running.url!, { authorization: `Bearer ${jwt}`, 'x-rls-user-id': seattle });
      await callTool(c, 'execute_sales_query', { postgresql_query: `SELECT '${secretPw}' FROM nowhere` });
      await callTool(c, 'execute_sales_query', COUNT);
      await c.close();
      const metrics = await (await fetch(running.url!.replace(/\/mcp$/, '/metrics'))).text();
      const everything = `${lines.join('')}\n${metrics}`;
      expect(lines.length).toBeGreaterThan(3);
      for (const secret of [secretPw, apiKey, jwt]) expect(everything).not.toContain(secret);
      expect(metrics).toMatch(/mcpops_tool_calls_total\{tool="execute_sales_query",outcome="ok"\} 1/);
      expect(metrics).toMatch(/mcpops_auth_failures_total\{reason="invalid_token"\} 1/);
      expect(metrics).toMatch(/mcpops_rows_returned_total [1-9]/);
    } finally {
      await running.stop();
    }
  });
});

describe('the prod profile', () => {
  test('refuses to serve without authentication (exit 78)', async () => {
    const result = await runCli(['serve', '--http', '--port', '0', '--profile', 'prod'], {
      env: { DATABASE_URL: db.loginUrl },
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('the prod profile requires HTTP authentication');
  });

  test('refuses a superuser login even with authentication on (exit 78)', async () => {
    const result = await runCli(['serve', '--http', '--port', '0', '--profile', 'prod'], {
      env: { DATABASE_URL: db.url, MCPOPS_AUTH: 'jwt', MCPOPS_JWT_PUBLIC_KEY: publicPem },
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/is a superuser: row-level security does not apply/);
  });
});

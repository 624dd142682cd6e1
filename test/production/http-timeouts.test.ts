import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STORES } from '../../src/db/stores.js';
import type { RunningServe } from '../../src/mcp/serve.js';
import { callTool } from '../serve/support.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';
import { sdkClient, serveHttp, slowClient } from './harness.js';

let db: ZavaTestDatabase;
let running: RunningServe;
let port: number;

const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
const postHead = (length: number, extra = '') =>
  `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${length}\r\n${extra}\r\n`;

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  running = await serveHttp(db.loginUrl, {
    MCPOPS_HTTP_HEADERS_TIMEOUT_MS: '1000',
    MCPOPS_HTTP_BODY_TIMEOUT_MS: '1500',
    MCPOPS_HTTP_REQUEST_TIMEOUT_MS: '2500',
  });
  port = Number(new URL(running.url!).port);
});
afterAll(async () => {
  await running?.stop();
  await db?.drop();
});

describe('slow clients are cut off with 408', () => {
  test('headers sent one byte every 400 ms: 408 once the header timeout passes', async () => {
    const head = postHead(BODY.length);
    const answer = await slowClient(port, '', [{ text: head, everyMs: 400 }], 15_000);
    expect(answer.response).toMatch(/^HTTP\/1\.1 408/);
    expect(answer.closedAfterMs).toBeLessThan(4000);
  });

  test('a body sent one byte every 2 s: 408 once the body timeout passes, connection closed', async () => {
    const head = postHead(BODY.length, `x-rls-user-id: ${STORES[0].rlsUserId}\r\n`);
    const answer = await slowClient(port, head, [{ text: BODY, everyMs: 2000 }], 15_000);
    expect(answer.response).toMatch(/^HTTP\/1\.1 408/);
    expect(answer.response).toContain('request body not received within 1500 ms');
    expect(answer.closedAfterMs).toBeGreaterThanOrEqual(1400);
    expect(answer.closedAfterMs).toBeLessThan(4500);
  });

  test('twenty slow bodies at once are all answered 408 and closed', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        slowClient(port, postHead(BODY.length), [{ text: BODY, everyMs: 2000 }], 15_000),
      ),
    );
    for (const answer of answers) {
      expect(answer.response).toMatch(/^HTTP\/1\.1 408/);
      expect(answer.closedAfterMs).toBeLessThan(5000);
    }
  });

  test('headers in time, body in time per byte, but the whole request too slow: 408', async () => {
    const strict = await serveHttp(db.loginUrl, {
      MCPOPS_HTTP_HEADERS_TIMEOUT_MS: '2000',
      MCPOPS_HTTP_BODY_TIMEOUT_MS: '20000',
      MCPOPS_HTTP_REQUEST_TIMEOUT_MS: '3000',
    });
    try {
      const strictPort = Number(new URL(strict.url!).port);
      const head = postHead(BODY.length);
      // Headers take ~1 s (under 2 s), then the body one byte every 200 ms: not in by 3 s.
      const answer = await slowClient(
        strictPort,
        head.slice(0, 10),
        [
          { text: head.slice(10), everyMs: 5 },
          { text: BODY, everyMs: 200 },
        ],
        20_000,
      );
      expect(answer.response).toMatch(/^HTTP\/1\.1 408/);
      expect(answer.closedAfterMs).toBeGreaterThanOrEqual(2900);
      expect(answer.closedAfterMs).toBeLessThan(6000);
    } finally {
      await strict.stop();
    }
  });

  test('a normal client is not affected: calls and an open session outlive the timeouts', async () => {
    const client = await sdkClient(running.url!, { 'x-rls-user-id': STORES[0].rlsUserId });
    try {
      await new Promise((r) => setTimeout(r, 3000));
      const answer = await callTool(client, 'execute_sales_query', { postgresql_query: 'SELECT 1 AS one' });
      expect(answer.json).toEqual({ c: ['one'], r: [[1]], n: 1 });
    } finally {
      await client.close();
    }
  });
});

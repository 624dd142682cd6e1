/**
 * The Azure OpenAI provider against a loopback HTTP server that implements the embeddings
 * endpoint's request/response format. This exercises our real HTTP code (URL, headers, body,
 * retries, timeouts, error mapping); it is not Azure itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { createAzureOpenAiProvider, requestBatches } from '../../src/embeddings/azure-openai.js';
import { createEmbeddingProvider } from '../../src/embeddings/index.js';
import { backoffDelay, serverRetryDelay } from '../../src/embeddings/retry.js';

const KEY = 'test-key-0123456789abcdef';
const FAST = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 2000 };

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: { input: string[] };
}
type Handler = (request: Seen, res: ServerResponse, n: number) => void;

let server: Server;
let endpoint: string;
let seen: Seen[] = [];
let handler: Handler;

function vector(seed: number, dimensions = 1536): number[] {
  return Array.from({ length: dimensions }, (_, i) => ((seed * 31 + i) % 17) / 17);
}

/** A success in the API's shape, with the data items in reverse order (index says where they go). */
function answer(res: ServerResponse, input: string[], dimensions = 1536): void {
  const data = input.map((text, index) => ({
    object: 'embedding',
    index,
    embedding: vector(text.length, dimensions),
  }));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      object: 'list',
      data: data.reverse(),
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: input.length, total_tokens: input.length },
    }),
  );
}

function fail(
  res: ServerResponse,
  status: number,
  headers: Record<string, string> = {},
  message = 'nope',
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { code: String(status), message } }));
}

function provider(options: Partial<Parameters<typeof createAzureOpenAiProvider>[0]> = {}) {
  return createAzureOpenAiProvider({
    endpoint: `${endpoint}/`,
    deployment: 'emb-deploy',
    apiVersion: '2024-10-21',
    apiKey: new Secret(KEY),
    retry: FAST,
    timeoutMs: 2000,
    ...options,
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(raw || '{}'),
      };
      seen.push(request);
      handler(request, res, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
  handler = (request, res) => answer(res, request.body.input);
});

describe('Azure OpenAI embeddings provider (loopback server speaking the API format)', () => {
  it('posts the inputs to the deployment URL with api-version and api-key, and keeps input order', async () => {
    const texts = ['copper pipe', 'a much longer text about drills', 'x'];
    const vectors = await provider().embed(texts);
    expect(seen).toHaveLength(1);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe('/openai/deployments/emb-deploy/embeddings?api-version=2024-10-21');
    expect(seen[0].headers['api-key']).toBe(KEY);
    expect(seen[0].headers.authorization).toBeUndefined();
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(seen[0].body).toEqual({ input: texts });
    expect(vectors.map((v) => v.length)).toEqual([1536, 1536, 1536]);
    expect(vectors).toEqual(texts.map((t) => vector(t.length)));
  });

  it('sends an Entra bearer token for the Cognitive Services scope when no key is set, and reuses it', async () => {
    const scopes: string[] = [];
    const credential = {
      getToken: async (scope: string) => {
        scopes.push(scope);
        return { token: 'entra-token', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const p = provider({ apiKey: undefined, credential });
    await p.embed(['a']);
    await p.embed(['b']);
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer entra-token', 'Bearer entra-token']);
    expect(seen[0].headers['api-key']).toBeUndefined();
    expect(scopes).toEqual(['https://cognitiveservices.azure.com/.default']);
  });

  it('a credential that cannot get a token is a config error naming the settings', async () => {
    const credential = {
      getToken: async () => {
        throw new Error('CredentialUnavailableError');
      },
    };
    await expect(provider({ apiKey: undefined, credential }).embed(['a'])).rejects.toMatchObject({
      code: 'embeddings_auth',
      exitCode: 78,
      suggestion: expect.stringContaining('AZURE_OPENAI_API_KEY'),
    });
    expect(seen).toHaveLength(0);
  });

  it('honours retry-after-ms on 429, then succeeds', async () => {
    handler = (request, res, n) =>
      n === 1 ? fail(res, 429, { 'retry-after-ms': '300' }) : answer(res, request.body.input);
    const started = performance.now();
    await provider().embed(['a']);
    expect(seen).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('honours retry-after (seconds) on 429, then succeeds', async () => {
    handler = (request, res, n) =>
      n === 1 ? fail(res, 429, { 'retry-after': '1' }) : answer(res, request.body.input);
    const started = performance.now();
    await provider().embed(['a']);
    expect(seen).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('retries 500 twice with backoff, then succeeds', async () => {
    handler = (request, res, n) => (n <= 2 ? fail(res, 500) : answer(res, request.body.input));
    const vectors = await provider().embed(['a', 'b']);
    expect(seen).toHaveLength(3);
    expect(vectors).toHaveLength(2);
  });

  it('gives up after the bounded attempts with exit 69 and no key in the message', async () => {
    handler = (_request, res) => fail(res, 503);
    const error = await provider()
      .embed(['a'])
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(FAST.maxAttempts);
    expect(error).toMatchObject({ code: 'embeddings_unavailable', exitCode: 69 });
    expect((error as Error).message).toBe(
      `Azure OpenAI at 127.0.0.1:${new URL(endpoint).port} still failing after 4 attempts (HTTP 503)`,
    );
  });

  it('times out a request that never answers, retries, and then reports it (exit 69)', async () => {
    handler = () => {}; // never answers
    const error = await provider({ timeoutMs: 150, retry: { ...FAST, maxAttempts: 2 } })
      .embed(['a'])
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(2);
    expect(error).toMatchObject({ code: 'embeddings_unavailable', exitCode: 69 });
    expect((error as Error).message).toContain('no answer within 0.15 s');
  });

  it('maps 401 to a config error about the key, without the key', async () => {
    handler = (_request, res) => fail(res, 401, {}, `Access denied: key ${KEY} is invalid`);
    const error = await provider()
      .embed(['a'])
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(error).toMatchObject({ code: 'embeddings_auth', exitCode: 78 });
    expect((error as Error).message).toMatch(/refused the API key \(HTTP 401\)/);
    expect(JSON.stringify(error) + (error as Error).message).not.toContain(KEY);
    expect((error as { suggestion: string }).suggestion).toContain('AZURE_OPENAI_API_KEY');
  });

  it('maps 404 to the deployment setting and 400 to the API message', async () => {
    handler = (_request, res) => fail(res, 404);
    await expect(provider().embed(['a'])).rejects.toMatchObject({
      code: 'embeddings_deployment',
      exitCode: 78,
      suggestion: expect.stringContaining('EMBEDDING_MODEL_DEPLOYMENT_NAME'),
    });
    handler = (_request, res) => fail(res, 400, {}, 'Too many inputs');
    await expect(provider().embed(['a'])).rejects.toMatchObject({
      code: 'embeddings_rejected',
      exitCode: 2,
      message: 'Azure OpenAI rejected the embeddings request (HTTP 400): Too many inputs',
    });
  });

  it('refuses vectors of the wrong dimension', async () => {
    handler = (request, res) => answer(res, request.body.input, 3072);
    await expect(provider().embed(['a'])).rejects.toMatchObject({
      code: 'embeddings_dimensions',
      exitCode: 78,
    });
  });

  it('an unreachable endpoint is exit 69 at once', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(provider({ endpoint: `http://127.0.0.1:${port}` }).embed(['a'])).rejects.toMatchObject({
      code: 'embeddings_unreachable',
      exitCode: 69,
      message: `cannot reach Azure OpenAI at 127.0.0.1:${port}: ECONNREFUSED`,
    });
  });

  it('splits large inputs at 2048 per request and by the token budget', async () => {
    const flat = JSON.stringify(new Array(1536).fill(0.5));
    handler = (request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const items = request.body.input.map((_, index) => `{"index":${index},"embedding":${flat}}`);
      res.end(`{"data":[${items.join(',')}]}`);
    };
    const texts = Array.from({ length: 5000 }, (_, i) => `t${i}`);
    const vectors = await provider().embed(texts);
    expect(seen.map((s) => s.body.input.length)).toEqual([2048, 2048, 904]);
    expect(vectors).toHaveLength(5000);
    // Estimated tokens 1, 2, 1, 1 under a budget of 2 per request.
    expect(requestBatches(['aaaa', 'bbbbbbbb', 'cc', 'dddd'], 10, 2).map((b) => b.length)).toEqual([1, 1, 2]);
    expect(requestBatches(['a', 'b', 'c'], 2, 1000).map((b) => b.length)).toEqual([2, 1]);
  });

  it('stops waiting for a retry when aborted (Ctrl-C)', async () => {
    handler = (_request, res) => fail(res, 429, { 'retry-after': '30' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted')), 100);
    const started = performance.now();
    await expect(provider().embed(['a'], controller.signal)).rejects.toThrow('interrupted');
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('createEmbeddingProvider needs an endpoint for azure-openai', async () => {
    const config = {
      embeddingProvider: 'azure-openai' as const,
      azureOpenaiEndpoint: undefined,
      azureOpenaiApiKey: undefined,
      embeddingDeployment: 'text-embedding-3-small',
      azureOpenaiApiVersion: '2024-10-21',
    };
    await expect(createEmbeddingProvider(config)).rejects.toMatchObject({
      code: 'embeddings_endpoint',
      exitCode: 78,
      suggestion: expect.stringContaining('AZURE_OPENAI_ENDPOINT'),
    });
    const local = await createEmbeddingProvider(config, 'local');
    expect(local).toMatchObject({ name: 'local', dimensions: 1536 });
    const azure = await createEmbeddingProvider({ ...config, azureOpenaiEndpoint: endpoint });
    expect(azure).toMatchObject({ name: 'azure-openai', model: 'text-embedding-3-small', dimensions: 1536 });
  });
});

describe('retry timing', () => {
  it('reads retry-after-ms, retry-after seconds and HTTP dates', () => {
    expect(serverRetryDelay(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(serverRetryDelay(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(serverRetryDelay(new Headers({ 'retry-after': 'Wed, 25 Nov 2026 12:00:05 GMT' }), now)).toBe(5000);
    expect(serverRetryDelay(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(serverRetryDelay(new Headers())).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped, and caps what the server asks for', () => {
    const policy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(policy, 1, undefined, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, undefined, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, undefined, () => 1)).toBe(400);
    expect(backoffDelay(policy, 10, undefined, () => 1)).toBe(1000);
    expect(backoffDelay(policy, 1, 60_000)).toBe(1000);
  });
});

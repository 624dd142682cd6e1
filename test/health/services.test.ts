import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Azurite, freePort, startAzurite } from '../support/azurite.js';
import { healthConfig, runOne } from './support.js';

let azurite: Azurite;
let http: Server;
let base: string;
let readyStatus = 200;
const embeddingStatus = 200;

function handler(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/ready') {
    res.writeHead(readyStatus, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ready: readyStatus === 200 }));
  } else if (req.url === '/hang/ready') {
    // Never answers: the health timeout must win.
  } else if (req.url?.startsWith('/openai/deployments/text-embedding-3-small/embeddings')) {
    if (req.headers['api-key'] !== 'test-key' || embeddingStatus !== 200) {
      res.writeHead(embeddingStatus === 200 ? 401 : embeddingStatus, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"401","message":"Access denied"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: [{ index: 0, embedding: new Array(1536).fill(0.01) }] }));
  } else {
    res.writeHead(404);
    res.end();
  }
}

beforeAll(async () => {
  azurite = await startAzurite();
  http = createServer(handler);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
}, 60_000);

afterAll(async () => {
  http?.closeAllConnections();
  await new Promise((r) => http?.close(r));
  await azurite?.stop();
});

describe('app.blob_storage against Azurite', () => {
  it('is CRITICAL while the container is missing, OK once it exists, CRITICAL when Azurite is down', async () => {
    const config = await healthConfig({
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      MCPOPS_BACKUP_TARGET: 'azure://health-backups/nightly',
    });
    const missing = await runOne(config, 'app.blob_storage');
    expect(missing).toMatchObject({
      status: 'CRITICAL',
      value: false,
      message: 'Blob container health-backups does not exist',
    });

    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient('health-backups')
      .create();
    const ok = await runOne(config, 'app.blob_storage');
    expect(ok.status).toBe('OK');
    expect(ok.message).toMatch(/^Blob container health-backups reachable in \d+ ms$/);

    const down = await healthConfig({
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString.replace(
        String(azurite.port),
        String(await freePort()),
      ),
    });
    const unreachable = await runOne(down, 'app.blob_storage', {}, { timeoutMs: 3000 });
    expect(['CRITICAL', 'UNKNOWN']).toContain(unreachable.status);
    expect(JSON.stringify(unreachable)).not.toContain(azurite.accountKey);
  });

  it('is skipped when Blob Storage is not configured', async () => {
    await expect(runOne(await healthConfig({}), 'app.blob_storage')).rejects.toThrow(
      /skipped \(Azure Blob Storage is not configured\)/,
    );
  });
});

describe('app.server_ready', () => {
  it('OK on 200, CRITICAL on 503 and when nothing listens, UNKNOWN when it hangs past the timeout', async () => {
    const config = await healthConfig({});
    readyStatus = 200;
    expect((await runOne(config, 'app.server_ready', {}, { serverUrl: base })).status).toBe('OK');
    readyStatus = 503;
    const notReady = await runOne(config, 'app.server_ready', {}, { serverUrl: base });
    expect(notReady).toMatchObject({ status: 'CRITICAL', value: 503 });
    expect(notReady.message).toContain('/ready answered HTTP 503: {"ready":false}');
    const nobody = await runOne(
      config,
      'app.server_ready',
      {},
      { serverUrl: `http://127.0.0.1:${await freePort()}` },
    );
    expect(nobody.status).toBe('CRITICAL');
    expect(nobody.message).toContain('unreachable (ECONNREFUSED)');
    const started = Date.now();
    const hung = await runOne(config, 'app.server_ready', {}, { serverUrl: `${base}/hang/`, timeoutMs: 300 });
    expect(hung).toMatchObject({
      status: 'UNKNOWN',
      message: 'did not finish within the health timeout (300 ms)',
    });
    expect(Date.now() - started).toBeLessThan(2000);
    readyStatus = 200;
  });
});

describe('ai.provider (Azure OpenAI compatible endpoint on loopback)', () => {
  it('OK when one short embedding comes back; CRITICAL with the fix when the key is refused', async () => {
    const env = {
      MCPOPS_EMBEDDING_PROVIDER: 'azure-openai',
      AZURE_OPENAI_ENDPOINT: base,
      AZURE_OPENAI_API_KEY: 'test-key',
    };
    const ok = await runOne(await healthConfig(env), 'ai.provider');
    expect(ok.status).toBe('OK');
    expect(ok.message).toMatch(
      /embeddings deployment text-embedding-3-small at 127\.0\.0\.1:\d+ answered in \d+ ms/,
    );
    const refused = await runOne(
      await healthConfig({ ...env, AZURE_OPENAI_API_KEY: 'wrong-key' }),
      'ai.provider',
    );
    expect(refused.status).toBe('CRITICAL');
    expect(refused.message).toContain('refused the API key (HTTP 401)');
    expect(JSON.stringify(refused)).not.toContain('wrong-key');
  });

  it('is skipped for the local provider', async () => {
    await expect(runOne(await healthConfig({}), 'ai.provider')).rejects.toThrow(
      /skipped \(embeddings are computed locally/,
    );
  });
});

describe('system checks', () => {
  it('disk of the backup folder; CRITICAL when the folder is missing', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'mcpops-health-disk-'));
    const ok = await runOne(await healthConfig({ MCPOPS_BACKUP_TARGET: folder }), 'system.disk');
    expect(['OK', 'WARNING', 'CRITICAL']).toContain(ok.status);
    expect(ok.message).toContain(`backup folder ${folder}: disk`);
    expect(typeof ok.value).toBe('number');
    const gone = await runOne(
      await healthConfig({ MCPOPS_BACKUP_TARGET: join(folder, 'nope') }),
      'system.disk',
    );
    expect(gone).toMatchObject({
      status: 'CRITICAL',
      message: `backup folder ${join(folder, 'nope')} cannot be read (ENOENT)`,
    });
  });

  it('memory and load judge against the thresholds', async () => {
    const config = await healthConfig({});
    expect((await runOne(config, 'system.memory', { memory: { warn: 0, crit: 2 } })).status).toBe('WARNING');
    expect((await runOne(config, 'system.memory', { memory: { warn: 2, crit: 3 } })).status).toBe('OK');
    expect((await runOne(config, 'system.load', { load_per_cpu: { warn: 0, crit: 1000 } })).status).toBe(
      'WARNING',
    );
  });
});

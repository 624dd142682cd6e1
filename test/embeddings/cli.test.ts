import { spawn } from 'node:child_process';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startVectorDatabase, type VectorDatabase } from './fixture.js';

// Spawns the BUILT cli: run `npm run build` first.
let vdb: VectorDatabase;
let pg15: TestDatabase;
// The sync's mechanics are tested with the fast lexical provider (use-lite: use-lite.test.ts).
const env = (url: string) => ({ DATABASE_URL: url, MCPOPS_EMBEDDING_PROVIDER: 'local' });

beforeAll(async () => {
  [vdb, pg15] = await Promise.all([startVectorDatabase(), createTestDatabase('mcpops_emb_cli')]);
});
afterAll(async () => {
  await vdb?.close();
  await pg15?.drop();
});

const stored = async () =>
  Number(
    (await vdb.db.query<{ n: number }>('SELECT count(*) AS n FROM retail.product_description_embeddings'))
      .rows[0].n,
  );

describe('mcpops embeddings sync', () => {
  it('is interrupted by Ctrl-C (exit 130), keeps finished batches, and the next run does the rest', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'embeddings', 'sync', '--json', '--batch-size', '1', '--concurrency', '1'],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          CI: 'true',
          DATABASE_URL: vdb.url,
          MCPOPS_EMBEDDING_PROVIDER: 'local',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 20_000;
    while ((await stored()) < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ ok: false, interrupted: true, pending: 450 });
    expect(report.embedded).toBeGreaterThanOrEqual(5);
    expect(report.embedded).toBeLessThan(450);
    expect(await stored()).toBe(report.embedded);

    const rest = await runCli(['embeddings', 'sync', '--json'], { env: env(vdb.url) });
    expect(rest.code).toBe(0);
    expect(rest.json()).toMatchObject({
      ok: true,
      pending: 450 - report.embedded,
      embedded: 450 - report.embedded,
    });
    expect(await stored()).toBe(450);
  });

  it('--dry-run reports the work, tokens and cost and writes nothing; text output when done', async () => {
    await vdb.db.query(
      "UPDATE retail.products SET product_description = 'Changed: ' || product_description WHERE product_id <= 10",
    );
    const dry = await runCli(['embeddings', 'sync', '--dry-run', '--json'], { env: env(vdb.url) });
    expect(dry.code).toBe(0);
    expect(dry.json()).toMatchObject({ ok: true, dryRun: true, pending: 10, products: 450, embedded: 0 });
    expect(dry.json().estimatedTokens).toBeGreaterThan(100);
    const text = await runCli(['embeddings', 'sync', '--dry-run'], { env: env(vdb.url) });
    expect(text.stdout).toMatch(
      /^would embed 10 of 450 products with local\/mcpops-local-hash-v1 \(1536 dimensions\); about [\d,]+ tokens \(\$0\.0\d+ on Azure OpenAI; the local provider is free\)\ndry run: nothing was written\n$/,
    );
    const done = await runCli(['embeddings', 'sync'], { env: env(vdb.url) });
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^embedded 10 products with local\/mcpops-local-hash-v1/);
    const again = await runCli(['embeddings', 'sync'], { env: env(vdb.url) });
    expect(again.stdout).toBe(
      'all 450 products already have local/mcpops-local-hash-v1 (1536 dimensions) embeddings of their current text\n',
    );
  });

  it('on PostgreSQL without pgvector: exit 78 naming the missing extension', async () => {
    const result = await runCli(['embeddings', 'sync', '--json'], { env: env(pg15.url) });
    expect(result.code).toBe(78);
    expect(result.json()).toMatchObject({
      ok: false,
      error: {
        code: 'vector_extension_missing',
        message: 'the database has no vector extension (pgvector), which semantic search needs',
      },
    });
    const text = await runCli(['embeddings', 'sync', '--dry-run'], { env: env(pg15.url) });
    expect(text.code).toBe(78);
    expect(text.stderr).toContain('mcpops: the database has no vector extension (pgvector)');
    expect(text.stderr).toContain('fix: ');
  });

  it('rejects bad flags (64) and an azure-openai provider without an endpoint (78)', async () => {
    const bad = await runCli(['embeddings', 'sync', '--concurrency', '0'], { env: env(vdb.url) });
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--concurrency must be a whole number from 1 to 64');
    const azure = await runCli(['embeddings', 'sync', '--provider', 'azure-openai', '--json'], {
      env: { ...env(vdb.url), AZURE_OPENAI_ENDPOINT: undefined },
    });
    expect(azure.code).toBe(78);
    expect(azure.json().error).toMatchObject({ code: 'embeddings_endpoint' });
  });

  // The whole tiny sample is loaded into PGlite: the slowest test here, given its own time limit.
  it('db init --sample-data embeds the sample with the configured provider', {
    timeout: 180_000,
  }, async () => {
    const db = await PGlite.create({ extensions: { vector } });
    const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 4 });
    await server.start();
    try {
      const url = `postgres://postgres@${server.getServerConn()}/postgres`;
      const result = await runCli(['db', 'init', '--sample-data', '--scale', 'tiny', '--json'], {
        env: env(url),
        timeoutMs: 120_000,
      });
      expect(result.code).toBe(0);
      const report = result.json();
      expect(report.actions).toContain('embedded 450 products with local/mcpops-local-hash-v1');
      expect(report.rowCounts.product_description_embeddings).toBe(450);
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mcpops.embedding_state');
      expect(rows[0].n).toBe(450);
    } finally {
      await server.stop();
      await db.close();
    }
  });
});

import type pg from 'pg';
import pgvector from 'pgvector';
import { classifyDbError } from '../db/errors.js';
import { loadSql } from '../db/sql-files.js';
import { OperationError } from '../errors.js';
import { checkVectorSupport, modelKey } from './store.js';
import { estimateCostUsd, estimateTokensForChars } from './tokens.js';
import { type EmbeddingModelStamp, type EmbeddingProvider, sameModel, stampOf } from './types.js';

export interface SyncProgress {
  done: number;
  total: number;
}

export interface SyncOptions {
  /** Texts per provider call and per committed batch (default 100). */
  batchSize?: number;
  /** Batches in flight at once (default 10). */
  concurrency?: number;
  /** Count and estimate only; nothing is written (the state tables are created and rolled back). */
  dryRun?: boolean;
  /** Aborting stops taking new batches; what is committed stays, so the next run resumes. */
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
}

export interface SyncReport {
  ok: boolean;
  dryRun: boolean;
  provider: EmbeddingModelStamp['provider'];
  model: string;
  dimensions: number;
  /** The model of the vectors found at the start (null: none recorded). */
  previous: EmbeddingModelStamp | null;
  /** The stored vectors were of another model, so every product is embedded again. */
  modelChanged: boolean;
  products: number;
  /** Products lacking a vector of this model for their current text, at the start. */
  pending: number;
  embedded: number;
  remaining: number;
  batches: number;
  estimatedTokens: number;
  /** What the pending texts cost on Azure OpenAI (the configured deployment, else 3-small). */
  estimatedAzureCostUsd: number;
  durationMs: number;
  textsPerSecond: number;
  interrupted: boolean;
}

interface PendingRow {
  product_id: number;
  body: string;
  sha: string;
}

interface SummaryRow {
  products: number;
  stored: number;
  pending: number;
  pending_chars: string;
}

/** Embeds the products whose vector is missing, stale or of another model; resumable batch by batch. */
export async function syncEmbeddings(
  pool: pg.Pool,
  provider: EmbeddingProvider,
  options: SyncOptions = {},
): Promise<SyncReport> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 10;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be ≥ 1');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be ≥ 1');
  const stamp = stampOf(provider);
  const key = modelKey(stamp);

  const { previous, summary } = await prepare(pool, key, Boolean(options.dryRun));
  const modelChanged = previous === null ? summary.stored > 0 : !sameModel(previous, stamp);
  const estimatedTokens = estimateTokensForChars(Number(summary.pending_chars), summary.pending);
  const report: SyncReport = {
    ok: true,
    dryRun: Boolean(options.dryRun),
    provider: stamp.provider,
    model: stamp.model,
    dimensions: stamp.dimensions,
    previous,
    modelChanged,
    products: summary.products,
    pending: summary.pending,
    embedded: 0,
    remaining: summary.pending,
    batches: 0,
    estimatedTokens,
    estimatedAzureCostUsd: estimateCostUsd(
      estimatedTokens,
      provider.name === 'azure-openai' ? provider.model : 'text-embedding-3-small',
    ),
    durationMs: 0,
    textsPerSecond: 0,
    interrupted: false,
  };
  if (options.dryRun) return finish(report, started);

  // The first batch written under a new stamp also removes the other model's vectors, in the
  // same transaction: search never sees two models mixed, and a provider that fails on its
  // first call leaves the old vectors in place.
  let stampPending = previous === null || !sameModel(previous, stamp);
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  let cursor = 0;
  let paging: Promise<unknown> = Promise.resolve();
  const nextPage = (): Promise<PendingRow[]> => {
    const page = paging.then(async () => {
      const rows = await inTransaction(pool, (client) =>
        client.query<PendingRow>(loadSql('embeddings/pending'), [cursor, key, batchSize]),
      );
      if (rows.rows.length > 0) cursor = rows.rows[rows.rows.length - 1].product_id;
      return rows.rows;
    });
    paging = page.catch(() => {});
    return page;
  };
  let failure: unknown;

  const worker = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      const page = await nextPage();
      if (page.length === 0) return;
      const vectors = await provider.embed(
        page.map((row) => row.body),
        stop.signal,
      );
      // Batches racing to be first may each switch the stamp: the switch is idempotent.
      await writeBatch(pool, page, vectors, key, stampPending ? stamp : undefined);
      stampPending = false;
      report.embedded += page.length;
      report.batches += 1;
      options.onProgress?.({ done: report.embedded, total: report.pending });
    }
  };

  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, 64)) }, () =>
    worker().catch((error: unknown) => {
      if (stop.signal.aborted && options.signal?.aborted) return;
      failure ??= error;
      stop.abort(error);
    }),
  );
  await Promise.all(workers);
  options.signal?.removeEventListener('abort', onAbort);
  if (failure) throw failure;
  report.interrupted = Boolean(options.signal?.aborted);
  report.ok = !report.interrupted;
  report.remaining = Math.max(0, report.pending - report.embedded);
  // A model switch with nothing left to embed (an empty catalogue) still records the stamp.
  if (stampPending && !report.interrupted)
    await inTransaction(pool, (client) => writeStamp(client, stamp, key));
  return finish(report, started);
}

function finish(report: SyncReport, started: number): SyncReport {
  report.durationMs = Math.round(performance.now() - started);
  report.textsPerSecond =
    report.durationMs > 0 ? Math.round((report.embedded / report.durationMs) * 1000) : 0;
  return report;
}

/** Checks pgvector, makes sure the state tables exist (rolled back on a dry run), counts the work. */
async function prepare(
  pool: pg.Pool,
  key: string,
  dryRun: boolean,
): Promise<{ previous: EmbeddingModelStamp | null; summary: SummaryRow }> {
  const client = await connect(pool);
  try {
    const support = await checkVectorSupport(client);
    await client.query('BEGIN');
    try {
      if (!support.hasState) await client.query(loadSql('embeddings/state'));
      const { rows } = await client.query<SummaryRow>(loadSql('embeddings/summary'), [key]);
      await client.query(dryRun ? 'ROLLBACK' : 'COMMIT');
      return { previous: support.stamp, summary: rows[0] };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  } catch (error) {
    throw classifyDbError(error);
  } finally {
    client.release();
  }
}

async function writeBatch(
  pool: pg.Pool,
  page: PendingRow[],
  vectors: number[][],
  key: string,
  newStamp: EmbeddingModelStamp | undefined,
): Promise<void> {
  if (vectors.length !== page.length)
    throw new OperationError(`the provider returned ${vectors.length} vectors for ${page.length} texts`, {
      code: 'embeddings_response',
      suggestion: 'Run the sync again; if it repeats, report it with --verbose output.',
    });
  await inTransaction(pool, async (client) => {
    if (newStamp) await writeStamp(client, newStamp, key);
    await client.query(loadSql('embeddings/upsert'), [
      page.map((row) => row.product_id),
      vectors.map((vector) => pgvector.toSql(vector)),
      page.map((row) => row.sha),
      key,
    ]);
  });
}

async function writeStamp(client: pg.ClientBase, stamp: EmbeddingModelStamp, key: string): Promise<void> {
  await client.query(loadSql('embeddings/forget-other-models'), [key]);
  await client.query(loadSql('embeddings/forget-other-states'), [key]);
  await client.query(loadSql('embeddings/stamp'), [JSON.stringify(stamp)]);
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw classifyDbError(error);
  }
}

/** One checked-out client from BEGIN to COMMIT (an explicit transaction also keeps the embedded
 * database's connection multiplexer from interleaving another connection's statements). */
async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await connect(pool);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw classifyDbError(error);
  } finally {
    client.release();
  }
}

/**
 * The `db init --sample-data` hook: embeds the freshly loaded sample when the database has
 * pgvector, and does nothing where it has not (db init already notes the missing extension).
 */
export async function embedSampleData(
  pool: pg.Pool,
  provider: EmbeddingProvider,
  options: SyncOptions = {},
): Promise<SyncReport | null> {
  const client = await connect(pool);
  try {
    await checkVectorSupport(client);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'vector_extension_missing' || code === 'embeddings_table_missing') return null;
    throw error;
  } finally {
    client.release();
  }
  return syncEmbeddings(pool, provider, options);
}

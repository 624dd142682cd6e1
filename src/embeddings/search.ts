import type pg from 'pg';
import pgvector from 'pgvector';
import { queryExtended } from '../db/session.js';
import { loadSql } from '../db/sql-files.js';
import { ConfigError, UsageError } from '../errors.js';
import { checkVectorSupport } from './store.js';
import { describeModel, type EmbeddingModelStamp, sameModel } from './types.js';

export const DEFAULT_MAX_ROWS = 20;
export const MAX_MAX_ROWS = 100;
export const DEFAULT_SIMILARITY_THRESHOLD = 30;
export const MIN_SIMILARITY_THRESHOLD = 20;
export const MAX_SIMILARITY_THRESHOLD = 80;

export interface SearchOptions {
  /** Rows to return, capped to 1..100. */
  maxRows?: number;
  /** Minimum similarity in percent, 20..80: a product is kept when its cosine distance ≤ 1 − t/100. */
  similarityThreshold?: number;
  /** The query's words for the full-text ranking; without them (or textWeight 0) vectors alone rank. */
  queryText?: string;
  blend?: Partial<SearchBlend>;
}

/** How the vector and full-text rankings are fused (reciprocal rank fusion). */
export interface SearchBlend {
  vectorWeight: number;
  textWeight: number;
  /** RRF's k: larger flattens the difference between neighbouring ranks. */
  rrfK: number;
}

export const DEFAULT_BLEND: SearchBlend = { vectorWeight: 1, textWeight: 1, rrfK: 60 };

/** Candidates each ranking contributes before fusion: enough for rows the other ranking lifts. */
export function searchCandidates(maxRows: number): number {
  return Math.min(200, Math.max(40, 2 * maxRows));
}

export interface SearchResult {
  columns: string[];
  rows: unknown[][];
}

/** max_rows is capped into 1..100 (as the reference server did); the threshold must be 20..80. */
export function searchLimits(options: SearchOptions): { maxRows: number; maxDistance: number } {
  const rows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const maxRows = Math.min(
    MAX_MAX_ROWS,
    Math.max(1, Number.isFinite(rows) ? Math.trunc(rows) : DEFAULT_MAX_ROWS),
  );
  const threshold = options.similarityThreshold ?? DEFAULT_SIMILARITY_THRESHOLD;
  if (!(threshold >= MIN_SIMILARITY_THRESHOLD && threshold <= MAX_SIMILARITY_THRESHOLD))
    throw new UsageError(
      `similarity_threshold must be between ${MIN_SIMILARITY_THRESHOLD} and ${MAX_SIMILARITY_THRESHOLD} (percent), got ${threshold}`,
      {
        code: 'similarity_threshold_range',
        suggestion: 'Use 30 for a broad search, 50 or more for close matches only.',
      },
    );
  return { maxRows, maxDistance: 1 - threshold / 100 };
}

/**
 * The products closest to the query within the threshold (cosine distance `<=>`, the vector a
 * bound parameter), ranked by fusing vector rank and full-text rank of `queryText` (reciprocal
 * rank fusion, docs/embeddings.md); adds `similarity_distance` and `sp` (similarity percent, one
 * decimal). Runs on the caller's client, so inside its store session; refuses a query vector of
 * another model than the stored vectors'.
 */
export async function searchProducts(
  client: pg.ClientBase,
  queryVector: number[],
  queryModel: EmbeddingModelStamp,
  options: SearchOptions = {},
): Promise<SearchResult> {
  const { maxRows, maxDistance } = searchLimits(options);
  const { stamp } = await checkVectorSupport(client);
  if (!stamp)
    throw new ConfigError('no product embeddings have been computed in this database yet', {
      code: 'embeddings_missing',
      suggestion: 'Run mcpops embeddings sync (db init --sample-data does it for the sample catalogue).',
    });
  if (!sameModel(stamp, queryModel))
    throw new ConfigError(
      `the stored product embeddings were made by ${describeModel(stamp)}, but this server embeds queries with ${describeModel(queryModel)}`,
      {
        code: 'embedding_model_mismatch',
        suggestion: `Run mcpops embeddings sync with the provider serve uses (--provider ${queryModel.provider}) to re-embed the products, or configure serve with the stored model's provider.`,
      },
    );
  if (queryVector.length !== stamp.dimensions)
    throw new ConfigError(
      `the query vector has ${queryVector.length} dimensions, the stored ones ${stamp.dimensions}`,
      {
        code: 'embedding_model_mismatch',
        suggestion: 'Run mcpops embeddings sync with the provider serve uses.',
      },
    );
  const blend: SearchBlend = {
    vectorWeight: options.blend?.vectorWeight ?? DEFAULT_BLEND.vectorWeight,
    textWeight: options.blend?.textWeight ?? DEFAULT_BLEND.textWeight,
    rrfK: options.blend?.rrfK ?? DEFAULT_BLEND.rrfK,
  };
  const text = options.queryText?.trim() ?? '';
  const result = await queryExtended(
    client,
    loadSql('embeddings/search'),
    [
      pgvector.toSql(queryVector),
      maxRows,
      maxDistance,
      text,
      searchCandidates(maxRows),
      blend.vectorWeight,
      text === '' ? 0 : blend.textWeight,
      blend.rrfK,
    ],
    { rowMode: 'array' },
  );
  return { columns: result.fields.map((field) => field.name), rows: result.rows as unknown as unknown[][] };
}

import type pg from 'pg';
import { loadSql } from '../db/sql-files.js';
import { ConfigError, type McpopsError } from '../errors.js';
import type { EmbeddingModelStamp, EmbeddingProviderName } from './types.js';

/** What the database can do for vectors, and which model made the stored ones. */
export interface VectorSupport {
  /** pgvector's version in this database. */
  version: string;
  /** The stamp of the stored vectors, or null before the first sync. */
  stamp: EmbeddingModelStamp | null;
  /** The sync's own tables and the stamp view exist (sql/embeddings/state.sql has run). */
  hasState: boolean;
}

interface SupportRow {
  installed: string | null;
  available: boolean;
  has_table: boolean;
  has_stamp: boolean;
  has_state: boolean;
}

/** The key stored per product: vectors with different keys never compare. */
export function modelKey(stamp: EmbeddingModelStamp): string {
  return `${stamp.provider}/${stamp.model}/${stamp.dimensions}`;
}

export function vectorMissingError(available: boolean): McpopsError {
  return new ConfigError('the database has no vector extension (pgvector), which semantic search needs', {
    code: 'vector_extension_missing',
    suggestion: available
      ? 'pgvector is installed on the server: run CREATE EXTENSION vector in this database, then mcpops db init.'
      : 'Install pgvector on the server (Azure Database for PostgreSQL: allow VECTOR in azure.extensions), ' +
        'CREATE EXTENSION vector, then mcpops db init; or use the embedded database (unset DATABASE_URL), which has it.',
  });
}

/**
 * Checks the database can hold and search product vectors and reads the stamp. Throws a
 * ConfigError (78) with the fix when pgvector or the embeddings table is missing.
 */
export async function checkVectorSupport(client: pg.ClientBase): Promise<VectorSupport> {
  const { rows } = await client.query<SupportRow>(loadSql('embeddings/support'));
  const row = rows[0];
  if (!row.installed) throw vectorMissingError(row.available);
  if (!row.has_table)
    throw new ConfigError('the database has no retail.product_description_embeddings table', {
      code: 'embeddings_table_missing',
      suggestion: 'Run mcpops db init to create the Zava schema (it adds the table where pgvector exists).',
    });
  return {
    version: row.installed,
    stamp: row.has_stamp ? await readStamp(client) : null,
    hasState: row.has_stamp && row.has_state,
  };
}

export async function readStamp(client: pg.ClientBase): Promise<EmbeddingModelStamp | null> {
  const { rows } = await client.query<{ provider: string; model: string; dimensions: number }>(
    'SELECT provider, model, dimensions FROM mcpops.embedding_model',
  );
  const row = rows[0];
  if (!row?.provider || !row.model || !row.dimensions) return null;
  return { provider: row.provider as EmbeddingProviderName, model: row.model, dimensions: row.dimensions };
}

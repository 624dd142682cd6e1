import type pg from 'pg';
import { classifyDbError } from './errors.js';
import { isUuid } from './stores.js';

export interface StoreSessionOptions {
  /** NOLOGIN reader role to become for the transaction. */
  role: string;
  /** The store (or head-office) id; null means no identity, which sees no rows. */
  rlsUserId: string | null;
  statementTimeoutMs: number;
  /** work_mem for this transaction (e.g. `8MB`); the server's default when absent. */
  workMem?: string;
  /** pgvector's hnsw.ef_search for this transaction, when searching vectors. */
  hnswEfSearch?: number;
  /** Names the database in connection errors (never with a password). */
  where?: string;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]*$/;
const MEMORY = /^\d+(kB|MB|GB)$/;

/**
 * The setup of one store-scoped, read-only transaction, sent as a single simple-protocol
 * message (one round trip). Every value is validated before it is placed in the text, and
 * every setting is LOCAL, so nothing survives the ROLLBACK into the next borrower's use. Nothing
 * is a session setting or a startup parameter, so a pooler in transaction mode (PgBouncer) that
 * hands each transaction a different server connection changes nothing.
 */
export function storeSessionSetup(options: StoreSessionOptions): string {
  if (!ROLE_NAME.test(options.role)) throw new Error(`invalid role name ${JSON.stringify(options.role)}`);
  if (options.rlsUserId !== null && !isUuid(options.rlsUserId)) throw new Error('invalid RLS user id');
  if (!Number.isInteger(options.statementTimeoutMs) || options.statementTimeoutMs < 1)
    throw new Error('invalid statement timeout');
  const parts = [
    'BEGIN READ ONLY',
    `SET LOCAL ROLE "${options.role}"`,
    `SELECT set_config('app.current_rls_user_id', '${options.rlsUserId ?? ''}', true)`,
    `SET LOCAL statement_timeout = ${options.statementTimeoutMs}`,
    `SET LOCAL idle_in_transaction_session_timeout = ${options.statementTimeoutMs + 5000}`,
    // Short analytical queries pay JIT compilation and win nothing from it.
    'SET LOCAL jit = off',
  ];
  if (options.workMem !== undefined) {
    if (!MEMORY.test(options.workMem)) throw new Error('invalid work_mem');
    parts.push(`SET LOCAL work_mem = '${options.workMem}'`);
  }
  if (options.hnswEfSearch !== undefined) {
    if (!Number.isInteger(options.hnswEfSearch) || options.hnswEfSearch < 1)
      throw new Error('invalid hnsw.ef_search');
    parts.push(`SET LOCAL hnsw.ef_search = ${options.hnswEfSearch}`);
  }
  return `${parts.join('; ')};`;
}

/**
 * Runs `fn` on one checked-out client inside a read-only transaction as the reader role with
 * the caller's RLS identity, and always rolls back.
 */
export async function withStoreSession<T>(
  pool: pg.Pool,
  options: StoreSessionOptions,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const setup = storeSessionSetup(options);
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw classifyDbError(error, options.where);
  }
  let broken: Error | undefined;
  // A checked-out client has no pool listener: without this, a connection lost mid-call
  // (database restart, network) is an uncaught 'error' event that ends the process.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  const finish = async (): Promise<void> => {
    try {
      await client.query('ROLLBACK');
    } catch (error) {
      broken = error as Error;
    }
    client.removeListener('error', onError);
    // A client whose rollback failed may still hold our role or identity: destroy it.
    client.release(broken);
  };
  let result: T;
  try {
    try {
      await client.query(setup);
    } catch (error) {
      throw classifyDbError(error, options.where);
    }
    result = await fn(client);
  } catch (error) {
    await finish();
    throw error;
  }
  // The caller has its answer; the ROLLBACK need not delay it. The client goes back to the pool
  // only once the ROLLBACK is done, so no later borrower can see this transaction's settings.
  void finish();
  return result;
}

/** Runs one statement over the extended protocol (one statement per message, no stacking). */
export function queryExtended<R extends pg.QueryResultRow = pg.QueryResultRow>(
  client: pg.ClientBase,
  text: string,
  values: unknown[] = [],
  options: { rowMode?: 'array' } = {},
): Promise<pg.QueryResult<R>> {
  return client.query({
    text,
    values,
    queryMode: 'extended',
    ...(options.rowMode ? { rowMode: options.rowMode } : {}),
  } as pg.QueryConfig);
}

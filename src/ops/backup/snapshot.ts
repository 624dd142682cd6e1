import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Secret } from '../../config/secret.js';
import { clientConfig, tlsFailure } from '../../db/connection.js';
import { classifyDbError } from '../../db/errors.js';
import { loadSql } from '../../db/sql-files.js';

export interface TableInfo {
  schema: string;
  name: string;
  /** "schema.table" as printed and stored in the manifest. */
  qualified: string;
  /** Quoted identifier for SQL and the pg_dump -t pattern. */
  quoted: string;
  bytes: number;
  shape: string;
  sequences: string;
}

export interface TableFingerprint {
  rows: number;
  fingerprint: string;
}

/**
 * A backup or restore connection, from the connection factory: the URL carries the resolved
 * TLS settings (sslmode, certificates) as libpq parameters.
 */
export async function connect(url: Secret, where: string): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(url, { applicationName: 'mcpops-backup' }));
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw tlsFailure(error, where) ?? classifyDbError(error, where);
  }
  return client;
}

/**
 * The coordinating connection: a REPEATABLE READ transaction that exports its snapshot and
 * stays open until every dump step has run, so all of them see the same moment.
 */
export interface Snapshot {
  id: string;
  serverVersion: string;
  serverMajor: number;
  /** Cluster system identifier and database OID. */
  identity: string;
  tables: TableInfo[];
  close(): Promise<void>;
}

export async function openSnapshot(url: Secret, where: string): Promise<Snapshot> {
  const client = await connect(url, where);
  try {
    // Which database this is: (ctid, xmin) pairs only mean something within one database.
    const cluster = await client
      .query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()')
      .then((r) => r.rows[0].id)
      .catch(() => 'unknown-cluster');
    const dbOid = await client.query<{ oid: string }>(
      'SELECT oid::text AS oid FROM pg_database WHERE datname = current_database()',
    );
    const identity = `${cluster}/${dbOid.rows[0].oid}`;
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const version = await client.query<{ v: string; n: string }>(
      "SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n",
    );
    const snap = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    const rows = (await client.query(loadSql('backup/tables'))).rows as Array<{
      schema: string;
      name: string;
      bytes: string;
      shape: string | null;
      sequences: string;
    }>;
    const tables = rows.map((row) => {
      const quoted = `${client.escapeIdentifier(row.schema)}.${client.escapeIdentifier(row.name)}`;
      return {
        schema: row.schema,
        name: row.name,
        qualified: `${row.schema}.${row.name}`,
        quoted,
        bytes: Number(row.bytes),
        shape: row.shape ?? '',
        sequences: row.sequences,
      };
    });
    // Hold the tables as pg_dump's leader does, so none is dropped or rewritten under the workers.
    if (tables.length) {
      await client.query("SET LOCAL lock_timeout = '30s'");
      await client.query(
        `LOCK TABLE ${tables.map((t) => `ONLY ${t.quoted}`).join(', ')} IN ACCESS SHARE MODE`,
      );
    }
    return {
      id: snap.rows[0].id,
      serverVersion: version.rows[0].v.split(' ')[0],
      serverMajor: Math.floor(Number(version.rows[0].n) / 10000),
      identity,
      tables,
      async close() {
        await client.query('COMMIT').catch(() => {});
        await client.end().catch(() => {});
      },
    };
  } catch (error) {
    await client.end().catch(() => {});
    throw classifyDbError(error, where);
  }
}

/** A worker connection that sees the exported snapshot. */
export async function openSnapshotWorker(url: Secret, where: string, snapshotId: string): Promise<pg.Client> {
  const client = await connect(url, where);
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT ${client.escapeLiteral(snapshotId)}`);
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    throw classifyDbError(error, where);
  }
}

/**
 * Row count and an order-independent hash of the table's row versions, read in the snapshot.
 * PostgreSQL never changes a row version in place: every insert, update or delete makes or
 * removes a version with its own (ctid, xmin). So equal sets of (ctid, xmin) mean equal rows,
 * and hashing those two system columns costs about a count(*) — no per-row text conversion.
 * Two 64-bit hashes are summed exactly (no sort, no per-row memory). With the column shape,
 * enum labels, owned-sequence positions and tool versions this decides whether the previous
 * dump of the table can be reused.
 */
export async function fingerprintTable(
  client: pg.Client,
  table: TableInfo,
  context: { serverMajor: number; dumpMajor: number; identity: string },
): Promise<TableFingerprint> {
  const result = await client.query<{ rows: string; h0: string; h1: string }>(
    `SELECT count(*) AS rows,
            coalesce(sum(hash_record_extended((t.ctid, t.xmin), 0)), 0)::text AS h0,
            coalesce(sum(hash_record_extended((t.ctid, t.xmin), 1)), 0)::text AS h1
       FROM ONLY ${table.quoted} t`,
  );
  const { rows, h0, h1 } = result.rows[0];
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        v: 3,
        table: table.qualified,
        shape: table.shape,
        sequences: table.sequences,
        rows,
        h0,
        h1,
        ...context,
      }),
    )
    .digest('hex');
  return { rows: Number(rows), fingerprint };
}

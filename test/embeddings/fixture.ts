import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { generateSampleData } from '../../src/db/sample-data/generate.js';

/** The reader role serve switches to; roles in a PGlite instance are private to it. */
export const READER = 'zava_reader';

export interface VectorDatabase {
  db: PGlite;
  /** A pg pool over PGlite's socket server: the same pg code path serve and sync use. */
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

const sql = (name: string) => readFileSync(new URL(`../../sql/${name}.sql`, import.meta.url), 'utf8');

/**
 * PGlite with pgvector, the Zava schema and RLS from sql/zava, a reader role like serve's, and
 * the sample catalogue's products (450, no orders): the real SQL of a Zava database, in-process.
 */
export async function startVectorDatabase(options: { products?: boolean } = {}): Promise<VectorDatabase> {
  const db = await PGlite.create({ extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  await db.exec(sql('zava/schema'));
  await db.exec(sql('zava/fulltext'));
  await db.exec(sql('zava/vector'));
  await db.exec(sql('zava/rls'));
  await db.exec(`
    CREATE ROLE ${READER} NOLOGIN;
    GRANT USAGE ON SCHEMA retail TO ${READER};
    GRANT SELECT ON ALL TABLES IN SCHEMA retail TO ${READER};
  `);
  if (options.products !== false) await loadCatalogue(db);
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 16 });
  await server.start();
  const address = server.getServerConn();
  const url = `postgres://postgres@${address}/postgres`;
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on('error', () => {});
  return {
    db,
    pool,
    url,
    async close() {
      await pool.end().catch(() => {});
      await server.stop().catch(() => {});
      await db.close().catch(() => {});
    },
  };
}

async function loadCatalogue(db: PGlite): Promise<void> {
  const sample = generateSampleData('tiny');
  for (const name of ['categories', 'product_types', 'products']) {
    const table = sample.tables.find((t) => t.table === name)!;
    const records = table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i]])));
    await db.query(
      `INSERT INTO retail.${name} SELECT * FROM jsonb_populate_recordset(null::retail.${name}, $1::jsonb)`,
      [JSON.stringify(records)],
    );
  }
}

/** Category name of each product id, to check what a search returned. */
export async function productCategories(db: PGlite): Promise<Map<number, string>> {
  const { rows } = await db.query<{ product_id: number; category_name: string }>(
    'SELECT p.product_id, c.category_name FROM retail.products p JOIN retail.categories c USING (category_id)',
  );
  return new Map(rows.map((r) => [r.product_id, r.category_name]));
}

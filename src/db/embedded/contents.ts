/**
 * What an embedded database holds, for a backup's manifest: its server version and the row
 * count of every user table. Run by the backup itself on a folder it opened, and by the database
 * worker in the same turn as the copy it hands to a backup, so the counts describe exactly the
 * copied data.
 *
 * No imports on purpose: the worker loads this file straight from src/ under the test runner.
 */
export interface QueryRunner {
  query<T>(sql: string): Promise<{ rows: T[] }>;
}

export interface TableCount {
  name: string;
  rows: number;
}

export interface EmbeddedContents {
  version: string;
  counts: TableCount[];
}

export async function tableCounts(db: QueryRunner): Promise<TableCount[]> {
  const { rows } = await db.query<{ schema: string; name: string }>(
    "SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1, 2",
  );
  const out: TableCount[] = [];
  for (const row of rows) {
    const quoted = `"${row.schema.replace(/"/g, '""')}"."${row.name.replace(/"/g, '""')}"`;
    const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ONLY ${quoted}`);
    out.push({ name: `${row.schema}.${row.name}`, rows: count.rows[0].n });
  }
  return out;
}

export async function describeContents(db: QueryRunner): Promise<EmbeddedContents> {
  const version = (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
  return { version, counts: await tableCounts(db) };
}

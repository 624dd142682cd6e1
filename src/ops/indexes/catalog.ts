import type pg from 'pg';
import { loadSql } from '../../db/sql-files.js';

export interface TableInfo {
  oid: number;
  schemaOid: number;
  schema: string;
  name: string;
  kind: string;
  estimatedRows: number;
  bytes: number;
  columns: string[];
}

export interface ExistingIndex {
  name: string;
  valid: boolean;
  ready: boolean;
  unique: boolean;
  primary: boolean;
  constraint: string | null;
  definition: string;
  bytes: number;
  building: boolean;
}

/** Catalog reads for one plan, each done once per table. */
export class IndexCatalog {
  private tables = new Map<string, Promise<TableInfo | undefined>>();
  private indexes = new Map<number, Promise<ExistingIndex[]>>();
  private methods?: Promise<Map<string, Set<string>>>;

  constructor(private readonly db: pg.Pool | pg.ClientBase) {}

  table(schema: string | null, name: string): Promise<TableInfo | undefined> {
    const key = `${schema ?? ''}\u0000${name}`;
    let found = this.tables.get(key);
    if (!found) {
      found = this.db.query(loadSql('indexes/catalog/table'), [schema, name]).then(({ rows }) => {
        const row = rows[0];
        if (!row) return undefined;
        return {
          oid: Number(row.oid),
          schemaOid: Number(row.schema_oid),
          schema: row.schema,
          name: row.name,
          kind: row.kind,
          estimatedRows: Number(row.estimated_rows),
          bytes: Number(row.bytes),
          columns: row.columns,
        };
      });
      this.tables.set(key, found);
    }
    return found;
  }

  indexesOf(table: TableInfo): Promise<ExistingIndex[]> {
    let found = this.indexes.get(table.oid);
    if (!found) {
      found = this.db.query(loadSql('indexes/catalog/indexes'), [table.oid]).then(({ rows }) =>
        rows.map((row) => ({
          name: row.name,
          valid: row.valid,
          ready: row.ready,
          unique: row.is_unique,
          primary: row.is_primary,
          constraint: row.constraint_name,
          definition: row.definition,
          bytes: Number(row.bytes),
          building: row.building,
        })),
      );
      this.indexes.set(table.oid, found);
    }
    return found;
  }

  /** Which relation owns a name in the table's schema (indexes share the schema's namespace). */
  async nameOwner(
    table: TableInfo,
    name: string,
  ): Promise<{ kind: string; tableName: string | null } | undefined> {
    const { rows } = await this.db.query(loadSql('indexes/catalog/name'), [table.schemaOid, name]);
    const row = rows[0];
    return row ? { kind: row.kind, tableName: row.table_name } : undefined;
  }

  /** Index access methods and their operator classes. */
  accessMethods(): Promise<Map<string, Set<string>>> {
    this.methods ??= this.db
      .query(loadSql('indexes/catalog/access-methods'))
      .then(({ rows }) => new Map(rows.map((row) => [row.name as string, new Set<string>(row.opclasses)])));
    return this.methods;
  }

  async countRows(table: TableInfo): Promise<number> {
    const { rows } = await this.db.query(
      `SELECT count(*)::int8 AS n FROM ${quoteIdent(table.schema)}.${quoteIdent(table.name)}`,
    );
    return Number(rows[0].n);
  }
}

/** Quotes an identifier read from the catalog or the parser (never raw user text into SQL). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

import type pg from 'pg';
import { UsageError } from '../../errors.js';
import { type ExistingIndex, IndexCatalog, type TableInfo } from './catalog.js';
import {
  type IndexDefinition,
  ivfflatLists,
  parseIndexSources,
  readIndexSources,
  type VectorMethod,
} from './definitions.js';
import { coversIndex, indexSignature, parseIndexDef } from './signature.js';

export type IndexState =
  | 'present'
  | 'missing'
  | 'invalid'
  | 'differs'
  | 'equivalent'
  | 'building'
  | 'unavailable'
  | 'error';
export type IndexAction = 'none' | 'create' | 'rebuild' | 'replace' | 'skip';

export interface IndexPlanItem {
  name: string;
  set: string;
  source: string;
  /** schema.table as the catalog names it (or as written, when it does not exist). */
  table: string;
  method: string;
  definition: string;
  state: IndexState;
  action: IndexAction;
  /** One line for people: why this state, what will be done. */
  detail: string;
  /** The index of that name (or the equivalent one) as it exists now. */
  existing?: { name: string; definition: string; valid: boolean };
  tableBytes: number;
  estimatedRows: number;
  errors: string[];
  /** Kept for apply; not part of the JSON report. */
  readonly _definition?: IndexDefinition;
}

export interface IndexPlan {
  items: IndexPlanItem[];
  /** Items with an action that changes the database. */
  changes: number;
  errors: number;
  vectorMethod: VectorMethod;
  /** IVFFlat lists derived from the row count, when that set was planned. */
  ivfflatLists?: number;
}

const VECTOR_METHODS = new Set(['hnsw', 'ivfflat']);

export interface PlanOptions {
  sets?: string[];
  only?: string[];
  files?: string[];
  vectorMethod: VectorMethod;
  replace?: boolean;
}

/**
 * Reads the definitions, checks every one against the catalog (table, columns, access method,
 * operator classes, name clashes) and compares it with the indexes that exist. Nothing is
 * changed: a plan with errors must not be applied.
 */
export async function planIndexes(db: pg.Pool | pg.ClientBase, options: PlanOptions): Promise<IndexPlan> {
  const catalog = new IndexCatalog(db);
  const sources = await readIndexSources(options);
  let lists: number | undefined;
  let definitions = await parseIndexSources(sources, { vectorMethod: options.vectorMethod, lists: 10 });
  const ivfflat = definitions.find(
    (d) => d.method === 'ivfflat' && sources.some((s) => s.source === d.source && s.text.includes('{lists}')),
  );
  if (ivfflat) {
    const table = await catalog.table(ivfflat.schema, ivfflat.table);
    lists = ivfflatLists(table ? await catalog.countRows(table) : 0);
    definitions = await parseIndexSources(sources, { vectorMethod: options.vectorMethod, lists });
  }
  definitions = selectOnly(definitions, options.only);
  const items: IndexPlanItem[] = [];
  // Without --set, a server without pgvector just skips the vector set; asked for, it is an error.
  const implicit = !options.sets?.length;
  for (const definition of definitions)
    items.push(await planOne(catalog, definition, Boolean(options.replace), implicit));
  return {
    items,
    changes: items.filter((i) => i.action === 'create' || i.action === 'rebuild' || i.action === 'replace')
      .length,
    errors: items.filter((i) => i.state === 'error').length,
    vectorMethod: options.vectorMethod,
    ...(lists !== undefined ? { ivfflatLists: lists } : {}),
  };
}

function selectOnly(definitions: IndexDefinition[], only: string[] | undefined): IndexDefinition[] {
  if (!only?.length) return definitions;
  const names = new Set(definitions.map((d) => d.name));
  const unknown = only.filter((name) => !names.has(name));
  if (unknown.length) {
    throw new UsageError(`unknown index ${unknown.join(', ')}`, {
      code: 'index_unknown',
      suggestion: `Known names: ${[...names].join(', ')}.`,
    });
  }
  return definitions.filter((d) => only.includes(d.name));
}

async function planOne(
  catalog: IndexCatalog,
  definition: IndexDefinition,
  replace: boolean,
  implicit: boolean,
): Promise<IndexPlanItem> {
  const written = `${definition.schema ? `${definition.schema}.` : ''}${definition.table}`;
  const base = {
    name: definition.name,
    set: definition.set,
    source: definition.source,
    method: definition.method,
    definition: definition.sql,
    tableBytes: 0,
    estimatedRows: 0,
    errors: [] as string[],
    _definition: definition,
  };
  const error = (table: string, errors: string[]): IndexPlanItem => ({
    ...base,
    table,
    state: 'error',
    action: 'skip',
    detail: errors[0],
    errors,
  });
  if (VECTOR_METHODS.has(definition.method) && !(await catalog.accessMethods()).has(definition.method)) {
    const message = `access method ${definition.method} does not exist: the pgvector extension is not installed (CREATE EXTENSION vector)`;
    if (!(implicit && definition.set === 'vector')) return error(written, [message]);
    return {
      ...base,
      table: written,
      state: 'unavailable',
      action: 'skip',
      detail: 'pgvector is not installed here: vector set skipped',
    };
  }
  const table = await catalog.table(definition.schema, definition.table);
  if (!table) return error(written, [`table ${written} does not exist`]);
  const qualified = `${table.schema}.${table.name}`;
  const errors = await checkDefinition(catalog, definition, table, qualified);
  if (errors.length)
    return { ...error(qualified, errors), tableBytes: table.bytes, estimatedRows: table.estimatedRows };

  const sized = { ...base, table: qualified, tableBytes: table.bytes, estimatedRows: table.estimatedRows };
  const wanted = indexSignature(definition.stmt, qualified);
  const existing = await catalog.indexesOf(table);
  const same = existing.find((index) => index.name === definition.name);
  if (same) return planExisting(sized, same, wanted, qualified, replace);
  for (const index of existing) {
    if (index.valid && (await signatureOf(index, qualified)) === wanted) {
      return {
        ...sized,
        state: 'equivalent',
        action: 'none',
        detail: `already covered by ${index.name}`,
        existing: { name: index.name, definition: index.definition, valid: true },
      };
    }
  }
  for (const index of existing) {
    const stmt = index.valid ? await parseIndexDef(index.definition) : undefined;
    if (stmt && coversIndex(stmt, definition.stmt, qualified)) {
      return {
        ...sized,
        state: 'equivalent',
        action: 'none',
        detail: `covered by ${index.name} (same leading columns)`,
        existing: { name: index.name, definition: index.definition, valid: true },
      };
    }
  }
  return { ...sized, state: 'missing', action: 'create', detail: 'will be built' };
}

async function planExisting(
  item: Omit<IndexPlanItem, 'state' | 'action' | 'detail'>,
  index: ExistingIndex,
  wanted: string,
  table: string,
  replace: boolean,
): Promise<IndexPlanItem> {
  const existing = { name: index.name, definition: index.definition, valid: index.valid };
  if (index.building)
    return {
      ...item,
      existing,
      state: 'building',
      action: 'skip',
      detail: 'a build of it is running now; left alone',
    };
  if (!index.valid)
    return {
      ...item,
      existing,
      state: 'invalid',
      action: 'rebuild',
      detail: 'INVALID leftover of a failed build: drop and rebuild',
    };
  if ((await signatureOf(index, table)) === wanted)
    return { ...item, existing, state: 'present', action: 'none', detail: 'present' };
  if (index.constraint) {
    return {
      ...item,
      existing,
      state: 'differs',
      action: 'skip',
      detail: `differs, but backs constraint ${index.constraint}: change it by hand`,
    };
  }
  return replace
    ? {
        ...item,
        existing,
        state: 'differs',
        action: 'replace',
        detail: 'differs: build the new one, swap, drop the old',
      }
    : {
        ...item,
        existing,
        state: 'differs',
        action: 'skip',
        detail: `differs from ${index.definition}; --replace rebuilds it`,
      };
}

async function signatureOf(index: ExistingIndex, table: string): Promise<string | undefined> {
  const stmt = await parseIndexDef(index.definition);
  return stmt ? indexSignature(stmt, table) : undefined;
}

async function checkDefinition(
  catalog: IndexCatalog,
  definition: IndexDefinition,
  table: TableInfo,
  qualified: string,
): Promise<string[]> {
  const errors: string[] = [];
  if (!['r', 'p', 'm'].includes(table.kind)) errors.push(`${qualified} is not a table`);
  for (const column of definition.columns) {
    if (!table.columns.includes(column)) {
      const near = table.columns.filter((c) => c.includes(column) || column.includes(c));
      errors.push(
        `column ${column} does not exist on ${qualified}${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}; columns: ${table.columns.join(', ')}`,
      );
    }
  }
  const methods = await catalog.accessMethods();
  const opclasses = methods.get(definition.method);
  if (!opclasses) {
    const hint = ['hnsw', 'ivfflat'].includes(definition.method)
      ? ': the pgvector extension is not installed (CREATE EXTENSION vector)'
      : '';
    errors.push(`access method ${definition.method} does not exist${hint}`);
  } else {
    for (const opclass of definition.opclasses) {
      const name = opclass.replace(/^pg_catalog\./, '');
      if (!opclasses.has(name))
        errors.push(`operator class ${opclass} does not exist for ${definition.method}`);
    }
  }
  const owner = await catalog.nameOwner(table, definition.name);
  if (owner && owner.tableName !== table.name) {
    errors.push(
      owner.kind === 'i'
        ? `the name ${definition.name} is taken by an index on ${table.schema}.${owner.tableName}`
        : `the name ${definition.name} is taken by another relation in ${table.schema}`,
    );
  }
  return errors;
}

/** The plan without internal fields, as --json prints it. */
export function planForJson(plan: IndexPlan): IndexPlan {
  return { ...plan, items: plan.items.map(({ _definition, ...item }) => item) };
}

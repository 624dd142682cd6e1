import type pg from 'pg';
import type { BackupKey } from './crypto.js';
import { type LaneJob, runLanes } from './lanes.js';
import type { ManifestObject } from './manifest.js';
import type { PgTools } from './pg-tools.js';
import type { IndexBuild, RestorePlan } from './post-data.js';
import { copyObjects } from './restore-copy.js';
import { runSql } from './restore-steps.js';
import { parentsFirst, truncateStatement } from './restore-tables.js';
import type { BackupStore } from './store-types.js';

/**
 * Sort memory of each index build (the server default, 64 MB, sends a large table's key sort
 * to disk); at most --jobs builds run at once. `pg_restore`'s documentation suggests the same.
 */
const INDEX_BUILD_MEMORY = '256MB';

/** What the load steps share: where rows come from, the psql environment, and the stop switch. */
export interface LoadContext {
  store: BackupStore;
  key: BackupKey | undefined;
  tools: PgTools;
  env: NodeJS.ProcessEnv;
  jobs: number;
  /** Aborted on the first failure or on Ctrl-C; every psql child watches it. */
  signal: AbortSignal;
  /** Runs one job; its failure is recorded as the cause and stops the others. */
  job<T>(work: () => Promise<T>): Promise<T>;
  onBytes(object: ManifestObject, delta: number): void;
  connectTarget(): Promise<pg.Client>;
}

/** Loads objects over a connection of its own, ended (rolling back what did not commit) after. */
async function copyInto(
  ctx: LoadContext,
  objects: ManifestObject[],
  options: Parameters<typeof copyObjects>[4],
): Promise<number[]> {
  const client = await ctx.connectTarget();
  try {
    return await copyObjects(client, ctx.store, objects, ctx.key, options);
  } finally {
    await client.end().catch(() => {});
  }
}

function sql(ctx: LoadContext, text: string, what: string, stopOnError = true, transaction = stopOnError) {
  return ctx.job(() =>
    runSql(ctx.tools, ctx.env, text, {
      step: `restore (${what})`,
      stopOnError,
      transaction,
      signal: ctx.signal,
    }),
  );
}

/**
 * Fills a new, empty database so that no row is readable without its policies: the schema
 * with row security enabled, forced and the policies created (one transaction); the rows, one
 * transaction per table, each table's index builds as soon as its rows are in; constraints;
 * then — once no served table is found open — the grants, in one transaction with `finish`.
 */
export async function loadDatabase(
  ctx: LoadContext,
  plan: RestorePlan,
  data: ManifestObject[],
  options: { subset: boolean; checkPosture(client: pg.Client): Promise<void>; finish: string },
): Promise<{ copied: number[]; warnings: string[] }> {
  const warnings: string[] = [];
  await sql(ctx, plan.schema, 'schema and row security');
  // No single transaction for index builds: parallel sessions holding locks across statements could deadlock.
  const build =
    (index: IndexBuild): LaneJob =>
    async () => {
      const text = `SET maintenance_work_mem = '${INDEX_BUILD_MEMORY}';\n${index.sql}`;
      warnings.push(...(await sql(ctx, text, 'post-data indexes', !options.subset, false)));
      return undefined;
    };
  const loaded = new Map<ManifestObject, number>();
  const load =
    (object: ManifestObject): LaneJob =>
    async () => {
      const counts = await ctx.job(() =>
        copyInto(ctx, [object], { freeze: true, signal: ctx.signal, onBytes: ctx.onBytes }),
      );
      loaded.set(
        object,
        counts.reduce((s, n) => s + n, 0),
      );
      return plan.indexes.filter((i) => i.table === object.table).map(build);
    };
  await runLanes(data.map(load), ctx.jobs);
  const withRows = new Set(data.map((o) => o.table));
  await runLanes(plan.indexes.filter((i) => !i.table || !withRows.has(i.table)).map(build), ctx.jobs);
  warnings.push(...(await sql(ctx, plan.constraints, 'post-data constraints', !options.subset)));
  const client = await ctx.connectTarget();
  await options.checkPosture(client).finally(() => client.end().catch(() => {}));
  await sql(ctx, `${plan.grants}\n${options.finish};\n`, 'grants');
  return { copied: data.map((o) => loaded.get(o) ?? -1), warnings };
}

/**
 * Empties the chosen tables of an existing database and loads them in ONE transaction (parents
 * before the tables whose foreign keys need them): a failure leaves every one as it was.
 */
export async function reloadTables(ctx: LoadContext, data: ManifestObject[]): Promise<number[]> {
  const client = await ctx.connectTarget();
  let ordered: ManifestObject[];
  let prologue: string;
  try {
    ordered = await parentsFirst(client, data);
    prologue = truncateStatement(client, ordered);
  } finally {
    await client.end().catch(() => {});
  }
  const counts = await ctx.job(() =>
    copyInto(ctx, ordered, { prologue, signal: ctx.signal, onBytes: ctx.onBytes }),
  );
  return data.map((o) => (counts.length === ordered.length ? counts[ordered.indexOf(o)] : -1));
}

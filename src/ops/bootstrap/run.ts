import { resolve } from 'node:path';
import { resolveDatabaseTarget } from '../../config/database.js';
import type { Config } from '../../config/schema.js';
import { readEmbeddedMeta } from '../../db/embedded/meta.js';
import { createDatabaseIfMissing } from '../../db/init/create-database.js';
import type { InitReport, SampleScale } from '../../db/init/index.js';
import { bootstrapZava } from './bootstrap.js';
import { openDatabase } from './open.js';

type Progress = (message: string, done?: number, total?: number) => void;

export interface DbInitRequest {
  sampleData: boolean;
  scale: SampleScale;
  force: boolean;
  signal?: AbortSignal;
  /** A missing server database was created (before anything else ran). */
  onCreated?: (message: string) => void;
  /** Opening starts (an embedded first start can take a while): its progress, and its end. */
  onOpening?: () => { progress: Progress; done(): void };
  /** Bootstrap stages; `done()` is called once bootstrap ends, whatever the outcome. */
  onBootstrap?: { progress: Progress; done(): void };
}

export type DbInitOutcome =
  /** Ctrl-C came after a new embedded database had finished its first start: it is ready. */
  { kind: 'ready-at-interrupt'; where: string } | { kind: 'done'; where: string; report: InitReport };

/** Creates the database if missing, opens it and builds the Zava schema, roles, RLS and sample. */
export async function runDbInit(config: Config, request: DbInitRequest): Promise<DbInitOutcome> {
  const target = resolveDatabaseTarget(config);
  // What this run created before initDatabase ran: a missing server database, or a new embedded one.
  let created: string | undefined;
  if (target.kind === 'server' && (await createDatabaseIfMissing(target))) {
    created = `created database ${target.database}`;
    request.onCreated?.(created);
  }
  if (target.kind === 'embedded' && readEmbeddedMeta(resolve(target.dir))?.state !== 'ready')
    created = `created the embedded database (${config.embeddedScale} sample)`;

  const opening = request.onOpening?.();
  const db = await openDatabase(config, {
    max: 2,
    signal: request.signal,
    onProgress: opening?.progress,
  }).finally(() => opening?.done());
  if (request.signal?.aborted && created && target.kind === 'embedded') {
    await db.close();
    return { kind: 'ready-at-interrupt', where: db.where };
  }
  let built: Awaited<ReturnType<typeof bootstrapZava>>;
  try {
    built = await bootstrapZava(db.pool, config, {
      sampleData: request.sampleData,
      scale: request.scale,
      force: request.force,
      signal: request.signal,
      embeddings: 'configured',
      onProgress: request.onBootstrap?.progress,
    });
  } finally {
    request.onBootstrap?.done();
    await db.close();
  }
  const report = built.init;
  report.actions = [...(created ? [created] : []), ...report.actions, ...built.actions];
  report.changed = report.actions.length > 0;
  return { kind: 'done', where: db.where, report };
}

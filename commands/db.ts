import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { SampleScale } from '../src/db/init/index.js';
import { ExitCode, UsageError } from '../src/errors.js';
import { commandContext } from './context.js';

const SCALES = ['tiny', 'small', 'medium', 'full'];

interface DbInitFlags {
  sampleData?: boolean;
  scale: string;
  force?: boolean;
  embedded?: boolean;
  databaseUrl?: string;
}

async function dbInit(command: Command): Promise<void> {
  const ctx = commandContext(command);
  const flags = ctx.options as unknown as DbInitFlags;
  if (!SCALES.includes(flags.scale)) {
    throw new UsageError(`--scale must be one of ${SCALES.join(', ')} (got ${JSON.stringify(flags.scale)})`, {
      suggestion: 'Use --scale tiny for tests, small (the default), medium, or full (50,000 customers).',
    });
  }
  if (flags.embedded && flags.databaseUrl) {
    throw new UsageError('--embedded and --database-url exclude each other', {
      suggestion: 'Pass one of them: --embedded for the local PGlite database, --database-url for a server.',
    });
  }
  let config = await ctx.config();
  if (flags.embedded) config = { ...config, databaseUrl: undefined, postgresHost: undefined };
  // A new embedded database is built with the sample at embeddedScale; an explicit --scale wins.
  if (command.getOptionValueSource('scale') === 'cli')
    config = { ...config, embeddedScale: flags.scale as SampleScale };

  const [{ openDatabase }, { resolveDatabaseTarget }, { bootstrapZava }, { createDatabaseIfMissing }] =
    await Promise.all([
      import('../src/db/open.js'),
      import('../src/config/database.js'),
      import('../src/db/init/bootstrap.js'),
      import('../src/db/init/create-database.js'),
    ]);
  const { startProgress } = await import('../src/ui/progress.js');
  const target = resolveDatabaseTarget(config);
  // What this run created before initDatabase ran: a missing server database, or a new embedded one.
  let created: string | undefined;
  if (target.kind === 'server' && (await createDatabaseIfMissing(target))) {
    created = `created database ${target.database}`;
    ctx.info(created);
  }
  if (target.kind === 'embedded') {
    const { readEmbeddedMeta } = await import('../src/db/embedded/index.js');
    if (readEmbeddedMeta(resolve(target.dir))?.state !== 'ready')
      created = `created the embedded database (${config.embeddedScale} sample)`;
  }

  const open = startProgress(ctx.terminal, 'opening', 'rows');
  const openOptions = {
    max: 2,
    signal: ctx.signal,
    onProgress: (message: string, done?: number, total?: number) => {
      if (done !== undefined && total) open.update(done, total, message);
      else if (ctx.terminal.verbose) ctx.info(message);
    },
  };
  const db = await (target.kind === 'embedded'
    ? (await import('../src/db/embedded/index.js')).openEmbeddedDatabase(config, target, openOptions)
    : openDatabase(config, openOptions)
  ).finally(() => open.done());
  if (ctx.signal.aborted && created && target.kind === 'embedded') {
    // Ctrl-C came after the first start had finished: nothing to roll back, and saying so is the truth.
    await db.close();
    ctx.info(`the embedded database was complete when Ctrl-C arrived; it is ready (${db.where})`);
    process.exitCode = ExitCode.ok;
    return;
  }
  // Started on the first rows, so its rate and ETA measure the load alone.
  let bar: ReturnType<typeof startProgress> | undefined;
  let phase = '';
  let built: Awaited<ReturnType<typeof bootstrapZava>>;
  try {
    built = await bootstrapZava(db.pool, config, {
      sampleData: Boolean(flags.sampleData),
      scale: flags.scale as SampleScale,
      force: Boolean(flags.force),
      signal: ctx.signal,
      embeddings: 'configured',
      onProgress: (stage, done, total) => {
        if (stage !== phase && ctx.terminal.verbose && !ctx.terminal.animate) ctx.info(`${stage}…`);
        phase = stage;
        if (done === undefined || !total) return;
        if (stage === 'loading sample data' || stage === 'embedding products') {
          bar ??= startProgress(ctx.terminal, 'db init', 'rows');
          bar.update(done, total, stage === 'loading sample data' ? 'sample data' : 'embeddings');
        }
      },
    });
  } finally {
    bar?.done();
    await db.close();
  }
  const report = built.init;
  report.actions.push(...built.actions);
  if (created) {
    report.actions.unshift(created);
    report.changed = true;
  }
  if (ctx.terminal.json) {
    const { writeJson } = await import('../src/ui/json.js');
    writeJson({ ok: true, database: db.where, ...report });
    return;
  }
  const { renderTable } = await import('../src/ui/table.js');
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `db init on ${db.where}: ${report.changed ? `${report.actions.length} change(s)` : 'nothing to do, everything was already in place'}`,
  );
  const changes = report.actions.map((a) => [a]);
  if (changes.length) out(renderTable(ctx.terminal, ['change'], changes));
  const counts = Object.entries(report.rowCounts).map(([t, n]) => [`retail.${t}`, n]);
  if (counts.length) out(renderTable(ctx.terminal, ['table', 'rows'], counts));
  for (const note of report.notes) ctx.info(`note: ${note}`);
}

export function registerDb(program: Command): void {
  const db = program
    .command('db')
    .description('the Zava database: schema, roles, row-level security, sample data');
  db.command('init')
    .description(
      'create the retail schema, roles and RLS policies; --sample-data loads the seeded Zava sample',
    )
    .option('--sample-data', 'load the deterministic Zava sample data')
    .option('--scale <scale>', 'sample size: tiny, small, medium or full (50,000 customers)', 'small')
    .option('--force', 'take over a non-empty retail schema mcpops did not create')
    .option('--embedded', 'initialise the embedded database')
    .option('--database-url <url>', 'PostgreSQL URL')
    .option('--embedded-dir <dir>', 'embedded database folder')
    .action((_options, command: Command) => dbInit(command));
}

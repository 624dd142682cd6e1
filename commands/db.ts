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

  const [{ runDbInit }, { startProgress }] = await Promise.all([
    import('../src/ops/bootstrap/run.js'),
    import('../src/ui/progress.js'),
  ]);
  // Started on the first rows, so its rate and ETA measure the load alone.
  let bar: ReturnType<typeof startProgress> | undefined;
  let phase = '';
  const outcome = await runDbInit(config, {
    sampleData: Boolean(flags.sampleData),
    scale: flags.scale as SampleScale,
    force: Boolean(flags.force),
    signal: ctx.signal,
    onCreated: (message) => ctx.info(message),
    onOpening: () => {
      const open = startProgress(ctx.terminal, 'opening', 'rows');
      return {
        progress: (message, done, total) => {
          if (done !== undefined && total) open.update(done, total, message);
          else if (ctx.terminal.verbose) ctx.info(message);
        },
        done: () => open.done(),
      };
    },
    onBootstrap: {
      progress: (stage, done, total) => {
        if (stage !== phase && ctx.terminal.verbose && !ctx.terminal.animate) ctx.info(`${stage}…`);
        phase = stage;
        if (done === undefined || !total) return;
        if (stage === 'loading sample data' || stage === 'embedding products') {
          bar ??= startProgress(ctx.terminal, 'db init', 'rows');
          bar.update(done, total, stage === 'loading sample data' ? 'sample data' : 'embeddings');
        }
      },
      done: () => bar?.done(),
    },
  });
  if (outcome.kind === 'ready-at-interrupt') {
    // Ctrl-C came after the first start had finished: nothing to roll back, and saying so is the truth.
    ctx.info(`the embedded database was complete when Ctrl-C arrived; it is ready (${outcome.where})`);
    process.exitCode = ExitCode.ok;
    return;
  }
  const { report } = outcome;
  if (ctx.terminal.json) {
    const { writeJson } = await import('../src/ui/json.js');
    writeJson({ ok: true, database: outcome.where, ...report });
    return;
  }
  const { renderDbInit } = await import('../src/ui/db-init.js');
  process.stdout.write(renderDbInit(ctx.terminal, outcome.where, report));
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

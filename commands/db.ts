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

  const [{ runDbInit }, ui] = await Promise.all([
    import('../src/ops/bootstrap/run.js'),
    import('../src/ui/db-init.js'),
  ]);
  const outcome = await runDbInit(config, {
    sampleData: Boolean(flags.sampleData),
    scale: flags.scale as SampleScale,
    force: Boolean(flags.force),
    signal: ctx.signal,
    ...ui.dbInitProgress(ctx),
  });
  ui.printDbInit(ctx, outcome);
  // Ctrl-C after the first start had finished: the database is ready, so this is a success.
  if (outcome.kind === 'ready-at-interrupt') process.exitCode = ExitCode.ok;
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

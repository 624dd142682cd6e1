import { type Command, Option } from 'commander';
import { ExitCode } from '../src/errors.js';
import { commandContext } from './context.js';

export function registerIndex(program: Command): void {
  const index = program
    .command('index')
    .description('recommended indexes (B-tree and pgvector) on a live database');
  index
    .command('apply')
    .description('plan and build the recommended indexes with CREATE INDEX CONCURRENTLY')
    .option('--set <name...>', 'index sets to apply (btree, vector; default all)')
    .option('--only <name...>', 'only these index names')
    .option('--file <file...>', 'extra index definitions (SQL files)')
    .option('--dry-run', 'show the plan and stop')
    .option('--replace', 'rebuild indexes whose definition differs')
    .addOption(new Option('--vector-method <method>', 'pgvector index type').choices(['hnsw', 'ivfflat']))
    .option('-y, --yes', 'do not ask before large builds')
    .option('--database-url <url>', 'PostgreSQL URL')
    .action(async (_options, command: Command) => {
      const ctx = commandContext(command);
      const o = ctx.options as Record<string, any>;
      const config = await ctx.config();
      const [{ runIndexApply }, render, { formatBytes }, { confirmAction }] = await Promise.all([
        import('../src/ops/indexes/run.js'),
        import('../src/ui/index-apply.js'),
        import('../src/ui/bytes.js'),
        import('../src/ui/prompt.js'),
      ]);
      const outcome = await runIndexApply(config, {
        sets: o.set,
        only: o.only,
        files: o.file,
        replace: Boolean(o.replace),
        dryRun: Boolean(o.dryRun),
        signal: ctx.signal,
        onPlan: (plan) => {
          if (!ctx.terminal.json) process.stdout.write(`${render.renderIndexPlan(ctx.terminal, plan)}\n`);
        },
        confirmLarge: (large) => {
          const names = large.map((i) => `${i.name} (${formatBytes(i.tableBytes)})`).join(', ');
          return confirmAction(ctx.terminal, `Build ${names} on large tables now?`, { yes: o.yes });
        },
        onEmbedded: () => ctx.info('Embedded database: single-user, so plain CREATE INDEX is used.'),
        onEvent: render.progressReporter(ctx),
      });
      render.printIndexApply(ctx, outcome);
      if (outcome.kind === 'applied' && outcome.result.failed > 0) process.exitCode = ExitCode.failure;
    });
}

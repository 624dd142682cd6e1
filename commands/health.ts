import { type Command, Option } from 'commander';
import { UsageError } from '../src/errors.js';
import { commandContext } from './context.js';
import { numberFlag } from './options.js';

export function registerHealth(program: Command): void {
  program
    .command('health')
    .description('one report on database, embeddings, storage, host and server; Nagios-style exit code')
    .option('--only <check...>', 'run only these checks or components')
    .option('--skip <check...>', 'skip these checks or components')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'json', 'nagios']).default('table'),
    )
    .option('--watch <seconds>', 'rerun every N seconds (TTY only)', numberFlag('--watch', 1))
    .option('--alert-webhook <url>', 'POST an alert here when the status worsens')
    .option('--server-url <url>', 'a running mcpops serve to check (/ready)')
    .option('--database-url <url>', 'PostgreSQL URL')
    .option('--host-checks', 'judge this machine (load, memory, disk): run on the database or serve host')
    .action(async (_options, command: Command) => {
      const ctx = commandContext(command);
      const o = ctx.options as Record<string, any>;
      const format: string = ctx.terminal.json ? 'json' : o.format;
      const watch = o.watch as number | undefined;
      if (watch !== undefined && (!ctx.terminal.interactive || format !== 'table'))
        throw new UsageError('--watch needs a terminal and the table format', {
          suggestion: 'Drop --watch in cron and scripts: run mcpops health on a schedule instead.',
        });
      const config = await ctx.config();
      const [{ checkHealth, runHealth }, { statusExitCode }, ui, { withSpinner }] = await Promise.all([
        import('../src/ops/health/run.js'),
        import('../src/ops/health/types.js'),
        import('../src/ui/health-report.js'),
        import('../src/ui/spinner.js'),
      ]);
      const request = { only: o.only, skip: o.skip, hostChecks: Boolean(o.hostChecks) };
      if (watch !== undefined)
        return ui.watchHealth(ctx, watch, ctx.signal, () => checkHealth(config, request));
      const { report, alerts } = await withSpinner(ctx.terminal, 'checking health', () =>
        runHealth(config, request),
      );
      ui.printHealth(ctx, format, report, alerts);
      process.exitCode = statusExitCode(report.overallStatus);
    });
}

import type { Command } from 'commander';
import { ExitCode } from '../src/errors.js';
import { commandContext } from './context.js';
import { numberFlag } from './options.js';

export function registerRestore(program: Command): void {
  program
    .command('restore')
    .argument('[id]', 'backup id or "latest"', 'latest')
    .description('restore a backup after verifying every object; reports row counts per table')
    .option('--from <target>', 'where the backups are (folder, file:///path or azure://container/prefix)')
    .option(
      '--target <url>',
      'database URL to restore into (default: a new <db>_restored_<timestamp>); a folder for embedded backups',
    )
    .option('--create', 'create the target database')
    .option('--clean', 'drop existing objects in the target first (with --yes: without asking)')
    .option('--tables <table...>', 'restore only these tables (schema.table or table in public)')
    .option('--jobs <n>', 'tables restored in parallel', numberFlag('--jobs', 1, 64), 2)
    .option('--list', 'show the contents and stop')
    .option('-y, --yes', 'confirm overwriting a non-empty database (needs --clean)')
    .option('--pg-bin <dir>', 'folder holding pg_dump and psql')
    .option('--database-url <url>', 'the server for the default target <db>_restored_<timestamp>')
    .action(async (id: string, _options, command: Command) => {
      // --target here is a database (or a folder for embedded backups), never the backup
      // location: that comes from --from, else the backupTarget setting (env, .env, config file).
      const ctx = commandContext(command, { notSettings: ['target'] });
      const o = ctx.options as Record<string, string | string[] | number | boolean | undefined>;
      const config = await ctx.config();
      const core = await import('../src/ops/backup/index.js');
      const render = await import('../src/ui/restore-report.js');
      const from = (o.from as string | undefined) ?? config.backupTarget;
      if (o.list) {
        const { withSpinner } = await import('../src/ui/spinner.js');
        const plan = await withSpinner(ctx.terminal, 'reading the backup', () =>
          core.loadRestorePlan(config, from, id),
        );
        render.printContents(ctx, plan.manifest);
        return;
      }
      const { confirmAction } = await import('../src/ui/prompt.js');
      const { startByteProgress } = await import('../src/ui/progress.js');
      const bar = startByteProgress(ctx.terminal, 'restore');
      const report = await core
        .runRestore(config, {
          from,
          id,
          target: o.target as string | undefined,
          create: Boolean(o.create),
          clean: Boolean(o.clean),
          tables: o.tables as string[] | undefined,
          jobs: o.jobs as number,
          pgBin: o.pgBin as string | undefined,
          signal: ctx.signal,
          confirm: (message) =>
            confirmAction(ctx.terminal, message, { yes: Boolean(o.yes && o.clean), flag: '--yes --clean' }),
          onProgress: bar.onProgress,
        })
        .finally(bar.done);
      render.printRestore(ctx, report);
      if (!report.ok) process.exitCode = ExitCode.failure;
    });
}

import type { Command } from 'commander';
import { ExitCode } from '../src/errors.js';
import { commandContext } from './context.js';
import { numberFlag } from './options.js';

/** `backup list` and `backup verify`: reading what is at the backup target. */
export function registerBackupCatalog(backup: Command): void {
  backup
    .command('list')
    .description('list backups at the target')
    .option('--target <target>', 'folder, file:///path or azure://container/prefix')
    .action(async (_options, command: Command) => {
      const ctx = commandContext(command);
      const config = await ctx.config();
      const { listBackups } = await import('../src/ops/backup/index.js');
      const { printBackupList } = await import('../src/ui/backup-report.js');
      const { withSpinner } = await import('../src/ui/spinner.js');
      const backups = await withSpinner(ctx.terminal, 'reading the backup catalog', () =>
        listBackups(config, ctx.options.target as string | undefined),
      );
      printBackupList(ctx, backups);
    });
  backup
    .command('verify')
    .argument('<id>', 'backup id or "latest"')
    .description('check every object of a backup (size and SHA-256); --deep restores into a scratch database')
    .option('--target <target>', 'folder, file:///path or azure://container/prefix')
    .option('--deep', 'also restore into a scratch database and compare row counts')
    .option('--jobs <n>', 'objects checked in parallel', numberFlag('--jobs', 1, 64), 2)
    .option('--pg-bin <dir>', 'folder holding pg_dump and psql (for --deep)')
    .option('--database-url <url>', 'server for the --deep scratch database')
    .action(async (id: string, _options, command: Command) => {
      const ctx = commandContext(command);
      const o = ctx.options as Record<string, string | number | boolean | undefined>;
      const config = await ctx.config();
      const { verifyBackupById } = await import('../src/ops/backup/index.js');
      const { printVerify } = await import('../src/ui/backup-report.js');
      const { withSpinner } = await import('../src/ui/spinner.js');
      const report = await withSpinner(ctx.terminal, `verifying ${id}`, () =>
        verifyBackupById(config, {
          target: o.target as string | undefined,
          id,
          deep: Boolean(o.deep),
          jobs: o.jobs as number,
          pgBin: o.pgBin as string | undefined,
        }),
      );
      printVerify(ctx, report);
      if (!report.ok) process.exitCode = ExitCode.failure;
    });
}

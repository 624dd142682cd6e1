import { type Command, Option } from 'commander';
import { registerBackupCatalog } from './backup-catalog.js';
import { commandContext } from './context.js';
import { numberFlag } from './options.js';

export function registerBackup(program: Command): void {
  const backup = program
    .command('backup')
    .description('verified, compressed, optionally encrypted backups to a folder or Azure Blob Storage')
    .option('--target <target>', 'folder, file:///path or azure://container/prefix')
    .addOption(
      new Option('--type <type>', 'full or incremental (default: incremental once a full exists)').choices([
        'full',
        'incremental',
      ]),
    )
    .addOption(
      new Option('--compression <algo>', 'compression').choices(['zstd', 'gzip', 'none']).default('zstd'),
    )
    .option(
      '--level <n>',
      'compression level (zstd 1–19, default 3; gzip 0–9, default 6)',
      numberFlag('--level', 0, 19),
    )
    .option('--encrypt', 'encrypt every object with AES-256-GCM (key from the secret loader)')
    .option('--jobs <n>', 'tables dumped in parallel', numberFlag('--jobs', 1, 64), 2)
    .option('--keep-last <n>', 'retention: keep the newest N backups', numberFlag('--keep-last', 1))
    .option('--keep-days <n>', 'retention: keep backups newer than D days', numberFlag('--keep-days', 0))
    .option('--dry-run', 'with retention: show what would be deleted, make no backup')
    .option(
      '--wait <seconds>',
      'wait this long for another backup on the target to finish (default 120)',
      numberFlag('--wait', 0, 86_400),
    )
    .option('--pg-bin <dir>', 'folder holding pg_dump and psql')
    .option('--database-url <url>', 'PostgreSQL URL (default: embedded database)')
    .option(
      '--from-replica',
      'take the snapshot on DATABASE_READ_URL (a streaming replica); its lag goes in the manifest',
    )
    .action(async (_options, command: Command) => {
      const ctx = commandContext(command);
      const o = ctx.options as Record<string, string | number | boolean | undefined>;
      const n = (value: unknown) => value as number | undefined;
      const config = await ctx.config();
      const { runBackup } = await import('../src/ops/backup/index.js');
      const { startByteProgress } = await import('../src/ui/progress.js');
      const { printBackupRun } = await import('../src/ui/backup-report.js');
      const bar = startByteProgress(ctx.terminal, 'backup');
      const run = await runBackup(config, {
        target: o.target as string | undefined,
        type: o.type as 'full' | 'incremental' | undefined,
        compression: o.compression as 'zstd' | 'gzip' | 'none',
        level: n(o.level),
        encrypt: Boolean(o.encrypt),
        jobs: o.jobs as number,
        retention: {
          keepLast: n(o.keepLast),
          keepDays: n(o.keepDays),
        },
        dryRun: Boolean(o.dryRun),
        waitSeconds: n(o.wait),
        pgBin: o.pgBin as string | undefined,
        fromReplica: Boolean(o.fromReplica),
        signal: ctx.signal,
        onProgress: bar.onProgress,
      }).finally(bar.done);
      printBackupRun(ctx, run);
    });
  registerBackupCatalog(backup);
}

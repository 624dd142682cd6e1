import { type Command, Option } from 'commander';
import { notImplemented } from './not-implemented.js';

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
    .option('--level <n>', 'compression level')
    .option('--encrypt', 'encrypt every object with AES-256-GCM (key from the secret loader)')
    .option('--jobs <n>', 'tables dumped in parallel', '2')
    .option('--keep-last <n>', 'retention: keep the newest N backups')
    .option('--keep-days <n>', 'retention: keep backups newer than D days')
    .option('--dry-run', 'with retention: show what would be deleted')
    .option('--pg-bin <dir>', 'folder holding pg_dump and pg_restore')
    .option('--database-url <url>', 'PostgreSQL URL (default: embedded database)')
    .action(notImplemented('backup'));
  backup
    .command('list')
    .description('list backups at the target')
    .option('--target <target>', 'folder, file:///path or azure://container/prefix')
    .action(notImplemented('backup list'));
  backup
    .command('verify')
    .argument('<id>', 'backup id or "latest"')
    .description('check every object of a backup (size and SHA-256); --deep restores into a scratch database')
    .option('--target <target>', 'folder, file:///path or azure://container/prefix')
    .option('--deep', 'also restore into a scratch database and compare row counts')
    .action(notImplemented('backup verify'));
}

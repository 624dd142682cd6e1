import type { Command } from 'commander';
import { notImplemented } from './not-implemented.js';

export function registerRestore(program: Command): void {
  program
    .command('restore')
    .argument('[id]', 'backup id or "latest"', 'latest')
    .description('restore a backup after verifying every object; reports row counts per table')
    .option('--from <target>', 'where the backups are (folder, file:///path or azure://container/prefix)')
    .option('--target <url>', 'database URL to restore into (default: a new <db>_restored_<timestamp>)')
    .option('--create', 'create the target database')
    .option('--clean', 'drop existing objects in the target first')
    .option('--tables <table...>', 'restore only these tables')
    .option('--jobs <n>', 'parallel pg_restore jobs', '2')
    .option('--list', 'show the contents and stop')
    .option('-y, --yes', 'confirm overwriting a non-empty database')
    .option('--pg-bin <dir>', 'folder holding pg_dump and pg_restore')
    .action(notImplemented('restore'));
}

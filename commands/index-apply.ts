import type { Command } from 'commander';
import { notImplemented } from './not-implemented.js';

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
    .option('-y, --yes', 'do not ask before large builds')
    .option('--database-url <url>', 'PostgreSQL URL')
    .action(notImplemented('index apply'));
}

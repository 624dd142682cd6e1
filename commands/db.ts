import type { Command } from 'commander';
import { notImplemented } from './not-implemented.js';

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
    .action(notImplemented('db init'));
}

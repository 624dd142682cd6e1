import type { Command } from 'commander';
import { notImplemented } from './not-implemented.js';

export function registerValidateConfig(program: Command): void {
  program
    .command('validate-config')
    .description('check every setting and secret; show each value (secrets masked) and the source that won')
    .option('--strict', 'warnings fail too (exit 1)')
    .option('--check', 'probe the database login and role posture')
    .option('--database-url <url>', 'PostgreSQL URL')
    .action(notImplemented('validate-config'));
}

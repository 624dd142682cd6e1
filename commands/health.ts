import { type Command, Option } from 'commander';
import { notImplemented } from './not-implemented.js';

export function registerHealth(program: Command): void {
  program
    .command('health')
    .description('one report on database, embeddings, storage, host and server; Nagios-style exit code')
    .option('--only <check...>', 'run only these checks or components')
    .option('--skip <check...>', 'skip these checks or components')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'json', 'nagios']).default('table'),
    )
    .option('--watch <seconds>', 'rerun every N seconds (TTY only)')
    .option('--alert-webhook <url>', 'POST an alert here when the status worsens')
    .option('--server-url <url>', 'a running mcpops serve to check (/ready)')
    .option('--database-url <url>', 'PostgreSQL URL')
    .action(notImplemented('health'));
}

import type { Command } from 'commander';
import { notImplemented } from './not-implemented.js';

export function registerScaleAdvise(program: Command): void {
  program
    .command('scale-advise')
    .description('pool size, replica count and tier advice from live metrics, each with its reason')
    .option('--metrics <file>', 'a recorded metrics snapshot (JSON) instead of live metrics')
    .option('--server-url <url>', 'a running mcpops serve (/metrics)')
    .option('--replicas <n>', 'current replica count')
    .option('--database-url <url>', 'PostgreSQL URL')
    .action(notImplemented('scale-advise'));
}

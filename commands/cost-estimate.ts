import type { Command } from 'commander';
import { notImplemented } from './not-implemented.js';

export function registerCostEstimate(program: Command): void {
  program
    .command('cost-estimate')
    .description('monthly Azure cost, line by line, from a workload profile or measurements')
    .option('--workload <file>', 'workload profile (YAML or JSON)')
    .option('--measure', 'fill the workload from the live database, backups and server')
    .option('--prices <file>', 'price table to use instead of the shipped one')
    .option('--refresh-prices', "fetch current prices from Azure's retail prices API")
    .option('--region <region>', 'Azure region', 'eastus')
    .option('--currency <code>', 'currency (only when the price table has it)')
    .option('--compare <file>', 'a second workload profile to show side by side')
    .option('--database-url <url>', 'PostgreSQL URL (with --measure)')
    .action(notImplemented('cost-estimate'));
}

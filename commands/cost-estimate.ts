import type { Command } from 'commander';
import { commandContext } from './context.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerCostEstimate(program: Command): void {
  program
    .command('cost-estimate')
    .description('monthly Azure cost, line by line, from a workload profile or measurements')
    .option('--workload <file>', 'workload profile (YAML or JSON)')
    .option(
      '--set <key=value>',
      'override one workload input (repeatable), e.g. postgres.sku=D2ds_v5',
      collect,
      [],
    )
    .option('--measure', 'fill the workload from the live database, backups and server')
    .option('--prices <file>', 'price table to use instead of the shipped one')
    .option('--refresh-prices', "fetch current prices from Azure's retail prices API")
    .option('--prices-out <file>', 'where --refresh-prices writes the new table')
    .option('--region <region>', 'Azure region (default: the workload file, else eastus)')
    .option('--currency <code>', 'currency (only when the price table has it)')
    .option('--compare <file>', 'a second workload profile to show side by side')
    .option('--database-url <url>', 'PostgreSQL URL (with --measure)')
    .option('--backup-dir <dir>', 'backup folder to measure (default: MCPOPS_BACKUP_TARGET when a folder)')
    .option('--server-url <url>', 'a running mcpops serve whose /metrics gives request and token counts')
    .action(async (_options, command: Command) => {
      const ctx = commandContext(command);
      const o = ctx.options as Record<string, any>;
      const { runCostEstimate } = await import('../src/ops/cost/run.js');
      const { withSpinner } = await import('../src/ui/spinner.js');
      const config = o.measure ? await ctx.config() : undefined;
      const report = await withSpinner(ctx.terminal, 'estimating', () =>
        runCostEstimate({
          workloadFile: o.workload,
          compareFile: o.compare,
          sets: o.set,
          region: command.getOptionValueSource('region') === 'cli' ? o.region : undefined,
          currency: o.currency,
          pricesFile: o.prices,
          refresh: o.refreshPrices ? { outFile: o.pricesOut, signal: ctx.signal } : undefined,
          measure: config ? { config, backupDir: o.backupDir, signal: ctx.signal } : undefined,
        }),
      );
      if (ctx.terminal.json) {
        const { writeJson } = await import('../src/ui/json.js');
        writeJson({ ok: true, ...report });
      } else {
        const { renderCostReport } = await import('../src/ui/cost-report.js');
        process.stdout.write(renderCostReport(report, ctx.terminal));
      }
      for (const warning of report.warnings) ctx.info(`note: ${warning}`);
    });
}

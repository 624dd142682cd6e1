import type { Command } from 'commander';
import type { CostEstimateReport } from '../src/ops/cost/run.js';
import type { Terminal } from '../src/ui/terminal.js';
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
      let measurement:
        | Awaited<ReturnType<typeof import('../src/ops/cost/measure.js').measureWorkload>>
        | undefined;
      if (o.measure) {
        const config = await ctx.config();
        const [{ openDatabase }, { measureWorkload }] = await Promise.all([
          import('../src/db/open.js'),
          import('../src/ops/cost/measure.js'),
        ]);
        const db = await openDatabase(config, { max: 2, applicationName: 'mcpops cost-estimate' });
        try {
          measurement = await measureWorkload({
            pool: db.pool,
            backupDir: o.backupDir,
            backupTarget: config.backupTarget ? { target: config.backupTarget, config } : undefined,
            serverUrl: config.serverUrl,
            signal: ctx.signal,
          });
        } finally {
          await db.close();
        }
      }
      const report = await runCostEstimate({
        workloadFile: o.workload,
        compareFile: o.compare,
        sets: o.set,
        region: command.getOptionValueSource('region') === 'cli' ? o.region : undefined,
        currency: o.currency,
        pricesFile: o.prices,
        refresh: o.refreshPrices ? { outFile: o.pricesOut, signal: ctx.signal } : undefined,
        measurement,
      });
      if (ctx.terminal.json) {
        const { writeJson } = await import('../src/ui/json.js');
        writeJson({ ok: true, ...report });
      } else process.stdout.write(await renderReport(report, ctx.terminal));
      for (const warning of report.warnings) ctx.info(`note: ${warning}`);
    });
}

async function renderReport(report: CostEstimateReport, terminal: Terminal): Promise<string> {
  const { renderTable } = await import('../src/ui/table.js');
  const { estimate: e, comparison } = report;
  const money = (n: number) =>
    `${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const qty = (n: number) => Number(n.toPrecision(6)).toLocaleString('en-US');
  const out: string[] = [];
  if (report.refreshed)
    out.push(
      `Fetched ${report.refreshed.found.length} prices from the Azure Retail Prices API → ${report.refreshed.file}`,
    );
  out.push(
    terminal.chalk.bold(
      `Cost estimate "${e.name}" — ${e.region}, ${e.currency} per month — prices as of ${e.pricesAsOf}`,
    ),
    `price table: ${e.pricesFile}`,
  );
  const rows = e.lines.map((l, i) => [
    i + 1,
    l.name,
    `${qty(l.quantity)} ${l.unit}`,
    `${l.unitPrice} / ${l.per === 1 ? l.unit : `${qty(l.per)} ${l.unit}s`}`,
    l.priceStatus,
    money(l.monthlyCost),
  ]);
  rows.push(['', terminal.chalk.bold('Total'), '', '', '', terminal.chalk.bold(money(e.total))]);
  out.push(
    renderTable(terminal, ['#', 'line', 'billable quantity', 'unit price', 'price status', e.currency], rows),
  );
  out.push(
    renderTable(
      terminal,
      ['component', e.currency, 'share'],
      e.shares.map((s) => [s.component, money(s.monthlyCost), `${(s.share * 100).toFixed(1)} %`]),
    ),
  );
  out.push(
    `${(e.derivedShare * 100).toFixed(1)} % of the total is priced with derived (not API-read) figures.`,
  );
  out.push('Formulas:', ...e.lines.map((l, i) => `  ${i + 1}. ${l.name}: ${l.formula}`));
  out.push(
    'Inputs (source: flag, measured, file or assumed):',
    renderTable(
      terminal,
      ['input', 'value', 'source', 'note'],
      e.inputs.map((i) => [i.name, i.value, i.source, i.note ?? '']),
    ),
  );
  if (report.measured?.backups) out.push(`backups measured from ${report.measured.backups.note}`);
  if (comparison) {
    const { a, b } = comparison;
    out.push(terminal.chalk.bold(`Compared: "${a.name}" vs "${b.name}" (prices as of ${b.pricesAsOf})`));
    const rows2 = comparison.rows.map((r) => [r.name, money(r.a), money(r.b), money(r.delta)]);
    rows2.push(['Total', money(a.total), money(b.total), money(comparison.totalDelta)]);
    out.push(renderTable(terminal, ['line', a.name, b.name, 'difference'], rows2));
  }
  return `${out.join('\n')}\n`;
}

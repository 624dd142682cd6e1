import type { CostEstimateReport } from '../ops/cost/run.js';
import { renderTable } from './table.js';
import type { Terminal } from './terminal.js';
import { wrapText } from './wrap.js';

/** The estimate as tables: line items, shares, formulas, inputs and an optional comparison. */
export function renderCostReport(report: CostEstimateReport, terminal: Terminal): string {
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
  out.push(
    'Formulas:',
    ...e.lines.map((l, i) => {
      const number = `  ${i + 1}. `;
      return wrapText(terminal, `${number}${l.name}: ${l.formula}`, ' '.repeat(number.length));
    }),
  );
  out.push(
    'Inputs (source: flag, measured, file or assumed):',
    renderTable(
      terminal,
      ['input', 'value', 'source', 'note'],
      e.inputs.map((i) => [i.name, i.value, i.source, i.note ?? '']),
    ),
  );
  if (report.measured?.backups)
    out.push(wrapText(terminal, `backups measured from ${report.measured.backups.note}`));
  if (comparison) {
    const { a, b } = comparison;
    out.push(terminal.chalk.bold(`Compared: "${a.name}" vs "${b.name}" (prices as of ${b.pricesAsOf})`));
    const rows2 = comparison.rows.map((r) => [r.name, money(r.a), money(r.b), money(r.delta)]);
    rows2.push(['Total', money(a.total), money(b.total), money(comparison.totalDelta)]);
    out.push(renderTable(terminal, ['line', a.name, b.name, 'difference'], rows2));
  }
  return `${out.join('\n')}\n`;
}

import type { InitReport } from '../db/init/index.js';
import { renderTable } from './table.js';
import type { Terminal } from './terminal.js';

/** The summary line, the changes made and the row counts, each line ending in a newline. */
export function renderDbInit(terminal: Terminal, where: string, report: InitReport): string {
  const out = [
    `db init on ${where}: ${report.changed ? `${report.actions.length} change(s)` : 'nothing to do, everything was already in place'}`,
  ];
  const changes = report.actions.map((a) => [a]);
  if (changes.length) out.push(renderTable(terminal, ['change'], changes));
  const counts = Object.entries(report.rowCounts).map(([t, n]) => [`retail.${t}`, n]);
  if (counts.length) out.push(renderTable(terminal, ['table', 'rows'], counts));
  return out.map((line) => `${line}\n`).join('');
}

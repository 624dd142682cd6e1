import Table from 'cli-table3';
import type { Terminal } from './terminal.js';

/** A table for people; plain borders when colour is off so logs and pipes stay readable. */
export function renderTable(terminal: Terminal, head: string[], rows: Array<Array<string | number>>): string {
  const table = new Table({
    head: head.map((h) => terminal.chalk.bold(h)),
    style: { head: [], border: [] },
    // No rule between rows: long reports stay compact.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    wordWrap: true,
  });
  for (const row of rows) table.push(row.map((cell) => String(cell)));
  return table.toString();
}

import { stripVTControlCharacters } from 'node:util';
import Table from 'cli-table3';
import type { Terminal } from './terminal.js';

/** The narrowest a column is squeezed to before its text wraps onto more lines. */
const MIN_COLUMN = 8;

const visibleWidth = (text: string) =>
  Math.max(
    0,
    ...stripVTControlCharacters(text)
      .split('\n')
      .map((line) => line.length),
  );

/**
 * Column widths that fit `width` (cli-table3 widths include one space of padding each side):
 * the widest columns give way first, down to MIN_COLUMN, and their cells wrap.
 */
export function fitColumns(natural: number[], width: number): number[] {
  const widths = [...natural];
  const borders = widths.length + 1;
  const total = () => widths.reduce((a, b) => a + b, 0) + borders;
  while (total() > width) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest] <= MIN_COLUMN) break;
    const next = Math.max(...widths.filter((_, i) => i !== widest), MIN_COLUMN);
    widths[widest] = Math.max(MIN_COLUMN, next, widths[widest] - (total() - width));
    if (widths[widest] === next && total() > width) widths[widest] = Math.max(MIN_COLUMN, next - 1);
  }
  return widths;
}

/**
 * A table for people; plain borders when colour is off so logs and pipes stay readable. On a
 * terminal it is sized to the terminal's width: long cells wrap instead of every row wrapping.
 */
export function renderTable(
  terminal: Terminal,
  head: string[],
  rows: Array<Array<string | number>>,
  width = process.stdout.isTTY ? process.stdout.columns : undefined,
): string {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const natural = head.map(
    (h, i) => Math.max(visibleWidth(h), ...cells.map((row) => visibleWidth(row[i] ?? ''))) + 2,
  );
  const colWidths = width ? fitColumns(natural, width) : undefined;
  const table = new Table({
    head: head.map((h) => terminal.chalk.bold(h)),
    style: { head: [], border: [] },
    // No rule between rows: long reports stay compact.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    wordWrap: true,
    wrapOnWordBoundary: true,
    ...(colWidths ? { colWidths } : {}),
  });
  for (const row of cells) table.push(row);
  if (!width) return table.toString();
  // A word longer than its column is cut by cli-table3's wrapping; anything still wider is cut here.
  return table
    .toString()
    .split('\n')
    .map((line) => (visibleWidth(line) > width ? stripVTControlCharacters(line).slice(0, width) : line))
    .join('\n');
}

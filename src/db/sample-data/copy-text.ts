import { createHash } from 'node:crypto';
import type { Cell, SampleData } from './generate.js';

function encodeCell(value: Cell): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return value.replace(/[\\\t\n\r]/g, (ch) =>
    ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r',
  );
}

/** Rows in PostgreSQL's COPY text format (tab-separated, \N for null, backslash escapes). */
export function encodeCopyRows(rows: Cell[][], from = 0, to = rows.length): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const row = rows[i];
    for (let j = 0; j < row.length; j++) {
      if (j > 0) out += '\t';
      out += encodeCell(row[j]);
    }
    out += '\n';
  }
  return out;
}

/** SHA-256 over every table's name, columns and COPY text: equal checksums, equal data. */
export function sampleChecksum(data: SampleData): string {
  const hash = createHash('sha256');
  for (const table of data.tables) {
    hash.update(`${table.table}(${table.columns.join(',')})\n`);
    const step = 10_000;
    for (let i = 0; i < table.rows.length; i += step)
      hash.update(encodeCopyRows(table.rows, i, Math.min(i + step, table.rows.length)));
  }
  return hash.digest('hex');
}

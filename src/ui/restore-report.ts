import type { BackupManifest } from '../ops/backup/index.js';
import { formatBytes } from './bytes.js';
import { writeJson } from './json.js';
import { renderTable } from './table.js';
import type { Output } from './terminal.js';

interface RestoreOutcome {
  id: string;
  target: string;
  database: string;
  ok: boolean;
  tables: Array<{ name: string; expected: number; actual: number; ok: boolean }>;
  warnings: string[];
  restoredBytes: number;
  durationMs: number;
}

export function printContents(ctx: Output, m: BackupManifest): void {
  const byKey = new Map(m.objects.map((o) => [o.key, o]));
  if (ctx.terminal.json) {
    writeJson({ ok: true, backup: m });
    return;
  }
  ctx.info(
    `${m.id} (${m.type}, ${m.engine}) of ${m.database}, PostgreSQL ${m.serverVersion}, pg_dump ${m.pgDumpVersion ?? '-'}, ` +
      `${m.compression.algorithm}${m.encryption ? `, encrypted (key ${m.encryption.keyId})` : ''}, made ${m.startedAt}`,
  );
  const rows = m.tables.map((t) => {
    const o = byKey.get(t.object);
    return [
      t.name,
      t.rows,
      formatBytes(o?.plainSize ?? 0),
      formatBytes(o?.storedSize ?? 0),
      o?.uploadedBy === m.id ? 'new' : `from ${o?.uploadedBy}`,
    ];
  });
  process.stdout.write(
    `${renderTable(ctx.terminal, ['table', 'rows', 'dump size', 'stored', 'object'], rows)}\n`,
  );
}

export function printRestore(ctx: Output, report: RestoreOutcome): void {
  if (ctx.terminal.json) {
    writeJson({ ok: report.ok, restore: report });
    return;
  }
  const rows = report.tables.map((t) => [t.name, t.expected, t.actual, t.ok ? 'ok' : 'MISMATCH']);
  process.stdout.write(
    `${renderTable(ctx.terminal, ['table', 'manifest rows', 'restored rows', ''], rows)}\n`,
  );
  for (const warning of report.warnings) ctx.info(`warning: ${warning}`);
  ctx.info(
    `${report.id} restored into ${report.target} in ${(report.durationMs / 1000).toFixed(1)} s (${formatBytes(report.restoredBytes)}): ` +
      `${report.ok ? 'every row count matches the manifest' : 'ROW COUNTS DIFFER from the manifest'}`,
  );
}

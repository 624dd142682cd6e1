import type { BackupManifest, BackupRun, DeepCheck, VerifyReport } from '../ops/backup/index.js';
import { formatBytes } from './bytes.js';
import { writeJson } from './json.js';
import { renderTable } from './table.js';
import type { Output } from './terminal.js';

function summary(m: BackupManifest) {
  return {
    id: m.id,
    type: m.type,
    engine: m.engine,
    database: m.database,
    startedAt: m.startedAt,
    finishedAt: m.finishedAt,
    previous: m.previous,
    tables: m.tables.length,
    rows: m.tables.reduce((s, t) => s + t.rows, 0),
    encrypted: Boolean(m.encryption),
    ...m.totals,
    ...(m.source ? { source: m.source } : {}),
  };
}

export function printBackupRun(ctx: Output, run: BackupRun): void {
  if (ctx.terminal.json) {
    writeJson({
      ok: true,
      target: run.where,
      backup: run.manifest
        ? { ...summary(run.manifest), durationMs: run.durationMs, dedupRatio: run.dedupRatio }
        : null,
      orphansRemoved: run.orphansRemoved,
      retention: run.retention ?? null,
    });
    return;
  }
  const m = run.manifest;
  if (m) {
    ctx.info(
      `${m.id} (${m.type}) → ${run.where}\n` +
        `  ${m.tables.length} tables, ${formatBytes(m.totals.plainBytes)} dumped, ${formatBytes(m.totals.storedBytes)} stored, ` +
        `${formatBytes(m.totals.uploadedBytes)} uploaded in ${m.totals.uploadedObjects} object(s)\n` +
        `  ${(run.durationMs / 1000).toFixed(1)} s, ${(run.dedupRatio * 100).toFixed(0)} % reused from earlier backups` +
        `${m.encryption ? `, encrypted (key ${m.encryption.keyId})` : ''}` +
        `${m.source ? `, from the replica ${m.source.where} (${m.source.lagSeconds.toFixed(1)} s behind)` : ''}` +
        `${run.orphansRemoved ? `, ${run.orphansRemoved} orphan object(s) of failed runs removed` : ''}`,
    );
  }
  if (run.retention) {
    const r = run.retention;
    ctx.info(
      `retention${r.dryRun ? ' (dry run)' : ''}: keep ${r.keep.length}, ${r.dryRun ? 'would delete' : 'deleted'} ${r.remove.length} backup(s)` +
        `${r.remove.length ? ` (${r.remove.join(', ')})` : ''} and ${r.objects.length} object(s), ${formatBytes(r.freedBytes)}`,
    );
  }
}

export function printBackupList(
  ctx: Output,
  listing: { where: string; backups: BackupManifest[]; skipped?: Array<{ key: string; reason: string }> },
): void {
  if (ctx.terminal.json) {
    writeJson({
      ok: true,
      target: listing.where,
      backups: listing.backups.map(summary),
      skipped: listing.skipped ?? [],
    });
    return;
  }
  if (!listing.backups.length) {
    ctx.info(`no backups at ${listing.where}`);
    return;
  }
  const rows = listing.backups.map((m) => [
    m.id,
    m.type,
    m.startedAt.replace('T', ' ').slice(0, 19),
    formatBytes(m.totals.storedBytes),
    formatBytes(m.totals.uploadedBytes),
    m.tables.length,
    m.encryption ? 'yes' : 'no',
  ]);
  process.stdout.write(
    `${renderTable(ctx.terminal, ['id', 'type', 'time (UTC)', 'size', 'new bytes', 'tables', 'encrypted'], rows)}\n`,
  );
}

export function printVerify(ctx: Output, report: VerifyReport & { deep?: DeepCheck }): void {
  if (ctx.terminal.json) {
    writeJson({ ok: report.ok, verify: report });
    return;
  }
  const bad = report.objects.filter((o) => !o.ok);
  for (const o of bad) ctx.info(`FAILED ${o.problem}`);
  ctx.info(
    `${report.id}: ${report.objects.length - bad.length}/${report.objects.length} objects OK, ${formatBytes(report.checkedBytes)} read in ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  if (report.deep) {
    const rows = report.deep.tables.map((t) => [t.name, t.expected, t.actual, t.ok ? 'ok' : 'MISMATCH']);
    process.stdout.write(
      `${renderTable(ctx.terminal, ['table', 'manifest rows', 'restored rows', ''], rows)}\n`,
    );
    ctx.info(
      `deep check in scratch database ${report.deep.database}: ${report.deep.ok ? 'row counts match' : 'row counts differ'}`,
    );
  }
  if (!report.ok)
    ctx.info('verify failed: restore another backup, or make a new full one (`mcpops backup --type full`)');
}

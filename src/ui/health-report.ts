import { setTimeout as sleep } from 'node:timers/promises';
import type { AlertOutcome } from '../ops/health/alerts.js';
import type { HealthReport, HealthStatus } from '../ops/health/types.js';
import { writeJson } from './json.js';
import { formatNagios } from './nagios.js';
import { renderTable } from './table.js';
import type { Output, Terminal } from './terminal.js';
import { wrapText } from './wrap.js';

function colour(terminal: Terminal, status: HealthStatus): string {
  const c = terminal.chalk;
  return { OK: c.green, WARNING: c.yellow, CRITICAL: c.red.bold, UNKNOWN: c.magenta }[status](status);
}

function formatValue(value: unknown, unit?: string): string {
  if (value === null || value === undefined) return '';
  return `${value}${unit ? ` ${unit}` : ''}`;
}

/** Every check as a table row, then the overall status and what was skipped. */
export function renderHealthReport(terminal: Terminal, report: HealthReport): string {
  const rows: string[][] = [];
  for (const [component, part] of Object.entries(report.components)) {
    for (const check of part.checks) {
      const detail =
        check.remedy && check.status !== 'OK'
          ? `${check.message}\n${terminal.chalk.dim(`fix: ${check.remedy}`)}`
          : check.message;
      rows.push([
        component,
        check.id,
        colour(terminal, check.status),
        formatValue(check.value, check.unit),
        detail,
      ]);
    }
  }
  const table = renderTable(terminal, ['component', 'check', 'status', 'value', 'detail'], rows);
  const skipped = report.skipped.length
    ? `\n${wrapText(terminal, `skipped: ${report.skipped.map((s) => `${s.id} (${s.reason})`).join('; ')}`)}`
    : '';
  const failed = report.failedComponents.length ? ` · not OK: ${report.failedComponents.join(', ')}` : '';
  const overall = `overall ${colour(terminal, report.overallStatus)}${failed} · ${report.durationMs} ms`;
  return `${table}\n${wrapText(terminal, overall)}${skipped}`;
}

/** The report in the chosen format on stdout; whether an alert went out on stderr. */
export function printHealth(
  output: Output,
  format: string,
  report: HealthReport,
  alerts: AlertOutcome | undefined,
): void {
  if (alerts?.error) output.info(`alert not sent: ${alerts.error}`);
  else if (alerts?.sent.length) output.info(`alert sent for ${alerts.sent.map((a) => a.id).join(', ')}`);
  if (format === 'json') {
    writeJson({ ok: report.overallStatus === 'OK', ...report, ...(alerts ? { alerts } : {}) });
  } else if (format === 'nagios') {
    process.stdout.write(`${formatNagios(report)}\n`);
  } else {
    process.stdout.write(`${renderHealthReport(output.terminal, report)}\n`);
  }
}

/** --watch: the report redrawn every `seconds` until Ctrl-C. */
export async function watchHealth(
  output: Output,
  seconds: number,
  signal: AbortSignal,
  check: () => Promise<HealthReport>,
): Promise<void> {
  while (!signal.aborted) {
    const report = await check();
    process.stdout.write(`\x1b[2J\x1b[H${renderHealthReport(output.terminal, report)}\n`);
    output.info(`every ${seconds} s; Ctrl-C to stop`);
    await sleep(seconds * 1000, undefined, { signal }).catch(() => {});
  }
}

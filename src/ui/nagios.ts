import type { HealthReport, PerfDatum } from '../ops/health/types.js';

function number(value: number | undefined): string {
  return value === undefined ? '' : String(Number(value.toFixed(4)));
}

/** `'label'=value[UOM];warn;crit;min;max` with trailing empty fields dropped. */
export function formatPerfDatum(datum: PerfDatum): string {
  const label = datum.label.replaceAll("'", "''");
  const fields = [
    `${number(datum.value)}${datum.uom ?? ''}`,
    number(datum.warn),
    number(datum.crit),
    number(datum.min),
    number(datum.max),
  ];
  while (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
  return `'${label}'=${fields.join(';')}`;
}

/** One line for Nagios/Icinga: status, the problems (worst first), then perfdata after `|`. */
export function formatNagios(report: HealthReport): string {
  const checks = Object.values(report.components).flatMap((c) => c.checks);
  const rank = { CRITICAL: 0, WARNING: 1, UNKNOWN: 2, OK: 3 } as const;
  const problems = checks.filter((c) => c.status !== 'OK').sort((a, b) => rank[a.status] - rank[b.status]);
  const count = (status: string) => checks.filter((c) => c.status === status).length;
  const summary = problems.length
    ? problems.map((c) => `${c.id} ${c.status}: ${c.message}`).join('; ')
    : `${checks.length} checks OK`;
  const perfdata = checks
    .flatMap((c) => c.perfdata ?? [])
    .map(formatPerfDatum)
    .join(' ');
  const counts = `${count('CRITICAL')} critical, ${count('WARNING')} warning, ${count('UNKNOWN')} unknown`;
  // A `|` in the text would start the perfdata early.
  const text = `MCPOPS ${report.overallStatus} - ${counts} - ${summary}`
    .replaceAll('|', '/')
    .replace(/\s+/g, ' ');
  return perfdata ? `${text} | ${perfdata}` : text;
}

/** The plugin's line when no report could be made (usage or configuration error): UNKNOWN. */
export function formatNagiosUnknown(message: string): string {
  return `MCPOPS UNKNOWN - ${message.replaceAll('|', '/').replace(/\s+/g, ' ').trim()}`;
}

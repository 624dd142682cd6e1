import type { Finding, LoadedConfig } from '../../config/load.js';
import { type ConfigReport, describeConfig } from '../../config/report.js';
import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { type ProbeResult, probeDatabase, probePgDump, probeReplica } from './probes.js';

export interface ValidationReport extends ConfigReport {
  ok: boolean;
  probes: ProbeResult[];
  errors: number;
  warnings: number;
}

/** The loader's findings plus, with `check`, live probes of the database login and pg_dump. */
export async function validateConfig(
  loaded: LoadedConfig,
  options: { check?: boolean } = {},
): Promise<ValidationReport> {
  const base = describeConfig(loaded);
  const configErrors = loaded.findings.some((f) => f.level === 'error');
  // Probing with a broken configuration would only repeat its errors less clearly.
  const probes =
    options.check && !configErrors
      ? (
          await Promise.all([
            probeDatabase(loaded.config).then((p) => [p]),
            probePgDump(loaded.config).then((p) => [p]),
            probeReplica(loaded.config),
          ])
        ).flat()
      : [];
  const findings: Finding[] = [...base.findings, ...probes.flatMap((p) => p.findings)];
  const errors = findings.filter((f) => f.level === 'error').length;
  return { ...base, findings, probes, ok: errors === 0, errors, warnings: findings.length - errors };
}

/** 78 on errors (69 when the only failure is an unreachable service), 1 on warnings under --strict. */
export function validationExitCode(report: ValidationReport, strict: boolean): ExitCodeValue {
  if (report.errors > 0) {
    const unreachableOnly =
      report.probes.some((p) => p.unreachable) &&
      report.errors === report.probes.filter((p) => p.unreachable).length;
    return unreachableOnly ? ExitCode.unavailable : ExitCode.config;
  }
  if (strict && report.warnings > 0) return ExitCode.warning;
  return ExitCode.ok;
}

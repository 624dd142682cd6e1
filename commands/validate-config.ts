import type { Command } from 'commander';
import type { ValidationReport } from '../src/ops/config/validate.js';
import type { Terminal } from '../src/ui/terminal.js';
import { commandContext } from './context.js';

export function registerValidateConfig(program: Command): void {
  program
    .command('validate-config')
    .description('check every setting and secret; show each value (secrets masked) and the source that won')
    .option('--strict', 'warnings fail too (exit 1)')
    .option('--check', 'probe the database login and role posture, and pg_dump')
    .option('--database-url <url>', 'PostgreSQL URL')
    .action(async (_options, command: Command) => {
      const ctx = commandContext(command);
      const { validateConfig, validationExitCode } = await import('../src/ops/config/validate.js');
      const { withSpinner } = await import('../src/ui/spinner.js');
      const loaded = await ctx.loadConfig();
      const report = await withSpinner(ctx.terminal, 'checking the configuration', () =>
        validateConfig(loaded, { check: Boolean(ctx.options.check) }),
      );
      process.exitCode = validationExitCode(report, Boolean(ctx.options.strict));
      if (ctx.terminal.json) {
        const { writeJson } = await import('../src/ui/json.js');
        writeJson({ ...report, ok: process.exitCode === 0 });
      } else {
        const { renderTable } = await import('../src/ui/table.js');
        process.stdout.write(printValidation(ctx.terminal, report, renderTable));
      }
    });
}

function printValidation(
  terminal: Terminal,
  report: ValidationReport,
  renderTable: (terminal: Terminal, head: string[], rows: string[][]) => string,
): string {
  const { chalk } = terminal;
  const rows = report.settings.map((s) => [
    s.key,
    s.env.join(', ') || '-',
    s.value ?? chalk.dim('(unset)'),
    s.source,
  ]);
  const lines = [renderTable(terminal, ['setting', 'env', 'value', 'source'], rows)];
  for (const probe of report.probes)
    lines.push(`${probe.ok ? chalk.green('✓') : chalk.red('✗')} ${probe.name}: ${probe.detail}`);
  for (const f of report.findings) {
    const tag = f.level === 'error' ? chalk.red('error') : chalk.yellow('warning');
    lines.push(`${tag} ${f.setting ?? ''}: ${f.message}\n  fix: ${f.fix}`);
  }
  const verdict =
    report.errors > 0 ? chalk.red(`${report.errors} error(s)`) : chalk.green('configuration is valid');
  lines.push(
    `${verdict}${report.warnings ? `, ${report.warnings} warning(s)` : ''} (profile ${report.profile})`,
  );
  return `${lines.join('\n')}\n`;
}

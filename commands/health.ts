import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, Option } from 'commander';
import type { Config } from '../src/config/schema.js';
import type { HealthReport, HealthStatus } from '../src/ops/health/types.js';
import type { Terminal } from '../src/ui/terminal.js';
import { type CommandContext, commandContext } from './context.js';
import { numberFlag } from './options.js';

export function registerHealth(program: Command): void {
  program
    .command('health')
    .description('one report on database, embeddings, storage, host and server; Nagios-style exit code')
    .option('--only <check...>', 'run only these checks or components')
    .option('--skip <check...>', 'skip these checks or components')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'json', 'nagios']).default('table'),
    )
    .option('--watch <seconds>', 'rerun every N seconds (TTY only)', numberFlag('--watch', 1))
    .option('--alert-webhook <url>', 'POST an alert here when the status worsens')
    .option('--server-url <url>', 'a running mcpops serve to check (/ready)')
    .option('--database-url <url>', 'PostgreSQL URL')
    .option('--host-checks', 'judge this machine (load, memory, disk): run on the database or serve host')
    .action(async (_options, command: Command) => {
      const ctx = commandContext(command);
      const o = ctx.options as Record<string, any>;
      const format: string = ctx.terminal.json ? 'json' : o.format;
      const { UsageError } = await import('../src/errors.js');
      const watch = o.watch as number | undefined;
      if (watch !== undefined) {
        if (!ctx.terminal.interactive || format !== 'table')
          throw new UsageError('--watch needs a terminal and the table format', {
            suggestion: 'Drop --watch in cron and scripts: run mcpops health on a schedule instead.',
          });
      }
      const config = await ctx.config();
      const { collectHealth } = await import('../src/ops/health/collect.js');
      const { statusExitCode } = await import('../src/ops/health/types.js');
      const run = async (): Promise<HealthReport> => {
        const report = await collectHealth({
          config,
          serverUrl: config.serverUrl,
          only: o.only,
          skip: o.skip,
          hostChecks: Boolean(o.hostChecks),
        });
        return report;
      };
      if (watch !== undefined) {
        while (!ctx.signal.aborted) {
          const report = await run();
          process.stdout.write(`\x1b[2J\x1b[H${await renderReport(ctx.terminal, report)}\n`);
          ctx.info(`every ${watch} s; Ctrl-C to stop`);
          await sleep(watch * 1000, undefined, { signal: ctx.signal }).catch(() => {});
        }
        return;
      }
      const report = await run();
      const alerts = config.alertWebhook ? await sendAlerts(ctx, config, report) : undefined;
      if (format === 'json') {
        const { writeJson } = await import('../src/ui/json.js');
        writeJson({ ok: report.overallStatus === 'OK', ...report, ...(alerts ? { alerts } : {}) });
      } else if (format === 'nagios') {
        const { formatNagios } = await import('../src/ui/nagios.js');
        process.stdout.write(`${formatNagios(report)}\n`);
      } else {
        process.stdout.write(`${await renderReport(ctx.terminal, report)}\n`);
      }
      process.exitCode = statusExitCode(report.overallStatus);
    });
}

async function sendAlerts(ctx: CommandContext, config: Config, report: HealthReport) {
  const { processAlerts } = await import('../src/ops/health/alerts.js');
  const outcome = await processAlerts(report, {
    webhookUrl: config.alertWebhook!,
    stateFile: config.healthStateFile,
  });
  if (outcome.error) ctx.info(`alert not sent: ${outcome.error}`);
  else if (outcome.sent.length) ctx.info(`alert sent for ${outcome.sent.map((a) => a.id).join(', ')}`);
  return outcome;
}

function colour(terminal: Terminal, status: HealthStatus): string {
  const c = terminal.chalk;
  return { OK: c.green, WARNING: c.yellow, CRITICAL: c.red.bold, UNKNOWN: c.magenta }[status](status);
}

function formatValue(value: unknown, unit?: string): string {
  if (value === null || value === undefined) return '';
  return `${value}${unit ? ` ${unit}` : ''}`;
}

async function renderReport(terminal: Terminal, report: HealthReport): Promise<string> {
  const { renderTable } = await import('../src/ui/table.js');
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
    ? `\nskipped: ${report.skipped.map((s) => `${s.id} (${s.reason})`).join('; ')}`
    : '';
  const failed = report.failedComponents.length ? ` · not OK: ${report.failedComponents.join(', ')}` : '';
  return `${table}\noverall ${colour(terminal, report.overallStatus)}${failed} · ${report.durationMs} ms${skipped}`;
}

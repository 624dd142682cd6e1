import type { ApplyEvent, IndexApplyResult } from '../ops/indexes/apply.js';
import { type IndexPlan, planForJson } from '../ops/indexes/plan.js';
import type { IndexApplyOutcome } from '../ops/indexes/run.js';
import { writeJson } from './json.js';
import { startProgress } from './progress.js';
import { renderTable } from './table.js';
import type { Output, Terminal } from './terminal.js';

const STATE_COLOR: Record<string, 'green' | 'yellow' | 'red' | 'cyan' | 'gray'> = {
  present: 'green',
  equivalent: 'green',
  missing: 'cyan',
  invalid: 'yellow',
  differs: 'yellow',
  building: 'gray',
  unavailable: 'gray',
  error: 'red',
};

/** The plan as a table (state and action per index) and a one-line summary. */
export function renderIndexPlan(terminal: Terminal, plan: IndexPlan): string {
  const rows = plan.items.map((i) => [
    i.name,
    i.table,
    terminal.chalk[STATE_COLOR[i.state]](i.state),
    i.action,
    i.errors.length ? i.errors.join('\n') : i.detail,
  ]);
  const summary = `${plan.items.length} index(es): ${plan.changes} to change, ${plan.errors} error(s)${plan.ivfflatLists ? `; IVFFlat lists = ${plan.ivfflatLists}` : ''}`;
  return `${renderTable(terminal, ['index', 'table', 'state', 'action', 'detail'], rows)}\n${summary}`;
}

/** What each build did, then which tables were analyzed. */
export function renderIndexResult(terminal: Terminal, result: IndexApplyResult): string {
  const rows = result.items.map((i) => [
    i.name,
    i.status === 'failed' ? terminal.chalk.red(i.status) : terminal.chalk.green(i.status),
    i.attempts,
    `${(i.durationMs / 1000).toFixed(1)} s`,
    i.error ?? '',
  ]);
  return `${renderTable(terminal, ['index', 'result', 'attempts', 'time', 'error'], rows)}\n${result.note ? `${result.note}\n` : ''}Analyzed: ${result.analyzed.join(', ') || 'none'}`;
}

/** Build progress on stderr: one line per start, retry and finish, a bar while a build runs. */
export function progressReporter(ctx: Output): (event: ApplyEvent) => void {
  let bar: ReturnType<typeof startProgress> | undefined;
  return (event) => {
    if (event.kind === 'start') {
      ctx.info(
        `${event.item.action === 'create' ? 'Building' : 'Rebuilding'} ${event.item.name} on ${event.item.table}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`,
      );
      bar = startProgress(ctx.terminal, event.item.name, 'blocks');
    } else if (event.kind === 'progress') {
      const p = event.progress;
      const [done, total] = p.blocksTotal > 0 ? [p.blocksDone, p.blocksTotal] : [p.tuplesDone, p.tuplesTotal];
      bar?.update(done, total, p.phase);
    } else if (event.kind === 'retry') {
      bar?.done();
      ctx.info(`  ${event.reason}; retrying in ${(event.delayMs / 1000).toFixed(1)} s`);
    } else {
      const r = event.result;
      bar?.done();
      ctx.info(
        `  ${r.status} ${r.name} in ${(r.durationMs / 1000).toFixed(1)} s${r.error ? `: ${r.error}` : ''}`,
      );
    }
  };
}

/** Prints the outcome (the plan itself was printed as it came). */
export function printIndexApply(ctx: Output, outcome: IndexApplyOutcome): void {
  const { plan } = outcome;
  if (outcome.kind === 'declined') ctx.info('Nothing changed.');
  else if (outcome.kind === 'planned') {
    if (ctx.terminal.json) writeJson({ ok: true, dryRun: outcome.dryRun, plan: planForJson(plan) });
    else
      ctx.info(plan.changes === 0 ? 'Nothing to do: every index is in place.' : 'Dry run: nothing changed.');
  } else {
    const { result } = outcome;
    if (ctx.terminal.json) writeJson({ ok: result.failed === 0, plan: planForJson(plan), result });
    else process.stdout.write(`${renderIndexResult(ctx.terminal, result)}\n`);
  }
}

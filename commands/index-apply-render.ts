import { ExitCode } from '../src/errors.js';
import type { ApplyEvent } from '../src/ops/indexes/apply.js';
import { planForJson } from '../src/ops/indexes/plan.js';
import type { IndexApplyOutcome } from '../src/ops/indexes/run.js';
import { renderIndexResult } from '../src/ui/index-apply.js';
import { writeJson } from '../src/ui/json.js';
import { startProgress } from '../src/ui/progress.js';
import type { CommandContext } from './context.js';

/** Build progress on stderr: one line per start, retry and finish, a bar while a build runs. */
export function progressReporter(ctx: CommandContext): (event: ApplyEvent) => void {
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

/** Prints the outcome (the plan itself was printed as it came) and sets the exit code. */
export function printIndexApply(ctx: CommandContext, outcome: IndexApplyOutcome): void {
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
    if (result.failed > 0) process.exitCode = ExitCode.failure;
  }
}

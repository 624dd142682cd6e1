import { type Command, Option } from 'commander';
import { ExitCode } from '../src/errors.js';
import type { IndexApplyResult } from '../src/ops/indexes/apply.js';
import type { IndexPlan } from '../src/ops/indexes/plan.js';
import type { Terminal } from '../src/ui/terminal.js';
import { commandContext } from './context.js';

/** Tables above this size make a build "large": asked about on a terminal unless --yes. */
const LARGE_TABLE_BYTES = 1024 ** 3;

export function registerIndex(program: Command): void {
  const index = program
    .command('index')
    .description('recommended indexes (B-tree and pgvector) on a live database');
  index
    .command('apply')
    .description('plan and build the recommended indexes with CREATE INDEX CONCURRENTLY')
    .option('--set <name...>', 'index sets to apply (btree, vector; default all)')
    .option('--only <name...>', 'only these index names')
    .option('--file <file...>', 'extra index definitions (SQL files)')
    .option('--dry-run', 'show the plan and stop')
    .option('--replace', 'rebuild indexes whose definition differs')
    .addOption(new Option('--vector-method <method>', 'pgvector index type').choices(['hnsw', 'ivfflat']))
    .option('-y, --yes', 'do not ask before large builds')
    .option('--database-url <url>', 'PostgreSQL URL')
    .action(async (_options, command: Command) => {
      const ctx = commandContext(command);
      const o = ctx.options as Record<string, any>;
      const config = await ctx.config();
      const { openDatabase } = await import('../src/db/open.js');
      const { planIndexes, planForJson } = await import('../src/ops/indexes/plan.js');
      const { writeJson } = await import('../src/ui/json.js');
      const db = await openDatabase(config, { max: 4, applicationName: 'mcpops index apply' });
      try {
        const plan = await planIndexes(db.pool, {
          sets: o.set,
          only: o.only,
          files: o.file,
          vectorMethod: config.vectorIndexMethod,
          replace: Boolean(o.replace),
        });
        if (!ctx.terminal.json) process.stdout.write(`${await renderPlan(ctx.terminal, plan)}\n`);
        if (plan.errors > 0) {
          const { OperationError } = await import('../src/errors.js');
          const error = new OperationError(
            `${plan.errors} index definition(s) do not match the database; nothing was changed`,
            {
              code: 'index_plan_invalid',
              details: { plan: planForJson(plan) },
              suggestion:
                'Fix the definitions named in the plan (table and column names), or create the tables first (mcpops db init), then run again.',
            },
          );
          throw error;
        }
        if (o.dryRun || plan.changes === 0) {
          if (ctx.terminal.json) writeJson({ ok: true, dryRun: Boolean(o.dryRun), plan: planForJson(plan) });
          else
            ctx.info(
              plan.changes === 0 ? 'Nothing to do: every index is in place.' : 'Dry run: nothing changed.',
            );
          return;
        }
        const large = plan.items.filter(
          (i) => i.action !== 'none' && i.action !== 'skip' && i.tableBytes > LARGE_TABLE_BYTES,
        );
        if (large.length) {
          const { confirmAction } = await import('../src/ui/prompt.js');
          const names = large
            .map((i) => `${i.name} (${(i.tableBytes / 1024 ** 3).toFixed(1)} GB)`)
            .join(', ');
          if (!(await confirmAction(ctx.terminal, `Build ${names} on large tables now?`, { yes: o.yes }))) {
            ctx.info('Nothing changed.');
            return;
          }
        }
        const result = await applyWithProgress(ctx, db, plan, config);
        if (ctx.terminal.json) writeJson({ ok: result.failed === 0, plan: planForJson(plan), result });
        else process.stdout.write(`${await renderResult(ctx.terminal, result)}\n`);
        if (result.failed > 0) process.exitCode = ExitCode.failure;
      } finally {
        await db.close();
      }
    });
}

async function applyWithProgress(
  ctx: ReturnType<typeof commandContext>,
  db: Awaited<ReturnType<typeof import('../src/db/open.js').openDatabase>>,
  plan: IndexPlan,
  config: Awaited<ReturnType<typeof ctx.config>>,
): Promise<IndexApplyResult> {
  const { applyIndexPlan } = await import('../src/ops/indexes/apply.js');
  const { startProgress } = await import('../src/ui/progress.js');
  let bar: ReturnType<typeof startProgress> | undefined;
  if (db.embedded) ctx.info('Embedded database: single-user, so plain CREATE INDEX is used.');
  return applyIndexPlan(db.pool, plan, {
    embedded: db.embedded,
    lockTimeoutMs: config.indexLockTimeoutMs,
    statementTimeoutMs: config.indexStatementTimeoutMs,
    maintenanceWorkMem: config.maintenanceWorkMem,
    lockRetries: config.indexLockRetries,
    signal: ctx.signal,
    onEvent: (event) => {
      if (event.kind === 'start') {
        ctx.info(
          `${event.item.action === 'create' ? 'Building' : 'Rebuilding'} ${event.item.name} on ${event.item.table}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`,
        );
        bar = startProgress(ctx.terminal, event.item.name, 'blocks');
      } else if (event.kind === 'progress') {
        const p = event.progress;
        const [done, total] =
          p.blocksTotal > 0 ? [p.blocksDone, p.blocksTotal] : [p.tuplesDone, p.tuplesTotal];
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
    },
  });
}

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

async function renderPlan(terminal: Terminal, plan: IndexPlan): Promise<string> {
  const { renderTable } = await import('../src/ui/table.js');
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

async function renderResult(terminal: Terminal, result: IndexApplyResult): Promise<string> {
  const { renderTable } = await import('../src/ui/table.js');
  const rows = result.items.map((i) => [
    i.name,
    i.status === 'failed' ? terminal.chalk.red(i.status) : terminal.chalk.green(i.status),
    i.attempts,
    `${(i.durationMs / 1000).toFixed(1)} s`,
    i.error ?? '',
  ]);
  return `${renderTable(terminal, ['index', 'result', 'attempts', 'time', 'error'], rows)}\n${result.note ? `${result.note}\n` : ''}Analyzed: ${result.analyzed.join(', ') || 'none'}`;
}

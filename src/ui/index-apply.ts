import type { IndexApplyResult } from '../ops/indexes/apply.js';
import type { IndexPlan } from '../ops/indexes/plan.js';
import { renderTable } from './table.js';
import type { Terminal } from './terminal.js';

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

import type { InitReport } from '../db/init/index.js';
import type { DbInitOutcome, DbInitRequest } from '../ops/bootstrap/run.js';
import { writeJson } from './json.js';
import { startProgress } from './progress.js';
import { renderTable } from './table.js';
import type { Output, Terminal } from './terminal.js';

/** The summary line, the changes made and the row counts, each line ending in a newline. */
export function renderDbInit(terminal: Terminal, where: string, report: InitReport): string {
  const out = [
    `db init on ${where}: ${report.changed ? `${report.actions.length} change(s)` : 'nothing to do, everything was already in place'}`,
  ];
  const changes = report.actions.map((a) => [a]);
  if (changes.length) out.push(renderTable(terminal, ['change'], changes));
  const counts = Object.entries(report.rowCounts).map(([t, n]) => [`retail.${t}`, n]);
  if (counts.length) out.push(renderTable(terminal, ['table', 'rows'], counts));
  return out.map((line) => `${line}\n`).join('');
}

/**
 * What db init shows while it runs: a bar while the embedded database opens, then one for the
 * sample load and the embeddings, started on the first rows so its rate and ETA measure the load.
 */
export function dbInitProgress(
  output: Output,
): Pick<DbInitRequest, 'onCreated' | 'onOpening' | 'onBootstrap'> {
  const { terminal } = output;
  let bar: ReturnType<typeof startProgress> | undefined;
  let phase = '';
  return {
    onCreated: (message) => output.info(message),
    onOpening: () => {
      const open = startProgress(terminal, 'opening', 'rows');
      return {
        progress: (message, done, total) => {
          if (done !== undefined && total) open.update(done, total, message);
          else if (terminal.verbose) output.info(message);
        },
        done: () => open.done(),
      };
    },
    onBootstrap: {
      progress: (stage, done, total) => {
        if (stage !== phase && terminal.verbose && !terminal.animate) output.info(`${stage}…`);
        phase = stage;
        if (done === undefined || !total) return;
        if (stage === 'loading sample data' || stage === 'embedding products') {
          bar ??= startProgress(terminal, 'db init', 'rows');
          bar.update(done, total, stage === 'loading sample data' ? 'sample data' : 'embeddings');
        }
      },
      done: () => bar?.done(),
    },
  };
}

export function printDbInit(output: Output, outcome: DbInitOutcome): void {
  if (outcome.kind === 'ready-at-interrupt') {
    // Ctrl-C came after the first start had finished: nothing to roll back, and saying so is the truth.
    output.info(`the embedded database was complete when Ctrl-C arrived; it is ready (${outcome.where})`);
    return;
  }
  const { report } = outcome;
  if (output.terminal.json) {
    writeJson({ ok: true, database: outcome.where, ...report });
    return;
  }
  process.stdout.write(renderDbInit(output.terminal, outcome.where, report));
  for (const note of report.notes) output.info(`note: ${note}`);
}

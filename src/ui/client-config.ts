import { type ClientName, type MergePlan, mergeChanges } from '../ops/config/client-config.js';
import { writeJson } from './json.js';
import { confirmAction } from './prompt.js';
import type { Output, Terminal } from './terminal.js';

/** What --write changes in the client's file: removed lines in red, added ones in green. */
export function renderMergeDiff(terminal: Terminal, plan: MergePlan, key: string): string {
  const { chalk } = terminal;
  const before = (plan.before[key] ?? {}) as Record<string, unknown>;
  const after = plan.after[key] as Record<string, unknown>;
  const lines = [chalk.bold(`--- ${plan.file}`), chalk.bold(`+++ ${plan.file} (merged)`)];
  for (const name of [...plan.changed, ...plan.added]) {
    if (name in before) lines.push(chalk.red(`-  "${name}": ${JSON.stringify(before[name])}`));
    lines.push(chalk.green(`+  "${name}": ${JSON.stringify(after[name])}`));
  }
  if (plan.unchanged.length > 0) lines.push(chalk.dim(`   (${plan.unchanged.length} entries unchanged)`));
  return `${lines.join('\n')}\n`;
}

/** Without --write: the entries, as the client's own file format. */
export function printClientEntries(output: Output, client: ClientName, document: unknown): void {
  if (output.terminal.json) writeJson({ ok: true, client, written: false, config: document });
  else process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

/** Shows what --write changes and asks (--yes answers); true when there is nothing to change. */
export async function confirmMerge(
  output: Output,
  plan: MergePlan,
  key: string,
  yes?: boolean,
): Promise<boolean> {
  const changes = mergeChanges(plan);
  if (changes === 0) return true;
  if (!output.terminal.json) process.stderr.write(renderMergeDiff(output.terminal, plan, key));
  return confirmAction(
    output.terminal,
    `Write ${changes} entr${changes === 1 ? 'y' : 'ies'} to ${plan.file}?`,
    {
      yes,
    },
  );
}

export function printMerge(output: Output, client: ClientName, plan: MergePlan): void {
  const { file } = plan;
  const changes = mergeChanges(plan);
  if (output.terminal.json) {
    writeJson({
      ok: true,
      client,
      written: changes > 0,
      file,
      added: plan.added,
      changed: plan.changed,
      unchanged: plan.unchanged,
    });
  } else
    output.info(
      changes > 0
        ? `wrote ${file}: ${plan.added.length} added, ${plan.changed.length} changed, ${plan.unchanged.length} unchanged; restart the client to load them`
        : `${file} already has these entries; nothing written`,
    );
}

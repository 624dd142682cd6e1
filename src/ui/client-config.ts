import type { MergePlan } from '../ops/config/client-config.js';
import type { Terminal } from './terminal.js';

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

import type { ScaleAdvice } from '../ops/scale/advise.js';
import { renderTable } from './table.js';
import type { Terminal } from './terminal.js';
import { wrapText } from './wrap.js';

/** Continuation lines of a rule or reason start under its text, after `  rule: ` / `  why:  `. */
const REASON_INDENT = ' '.repeat(8);

/** Each decision with its rule and reason, then the autoscaler snippets to paste. */
export function renderScaleAdvice(advice: ScaleAdvice, terminal: Terminal): string {
  const bold = terminal.chalk.bold;
  const from = advice.source === 'file' ? 'recorded snapshot' : 'live metrics';
  const out = [
    bold(`Scale advice from ${from}${advice.takenAt ? ` taken ${advice.takenAt}` : ''}`),
    renderTable(
      terminal,
      ['decision', 'recommendation'],
      advice.decisions.map((d) => [d.id, d.recommendation]),
    ),
    ...advice.decisions.flatMap((d) => [
      wrapText(terminal, `${bold(d.id)}: ${d.recommendation}`),
      wrapText(terminal, `  rule: ${d.rule}`, REASON_INDENT),
      wrapText(terminal, `  why:  ${d.reason}`, REASON_INDENT),
    ]),
  ];
  if (advice.tier.pricesAsOf)
    out.push(`tier costs: prices as of ${advice.tier.pricesAsOf} (${advice.tier.currency})`);
  for (const note of advice.notes) out.push(wrapText(terminal, `note: ${note}`));
  out.push(
    bold('Azure Container Apps (YAML, properties.template):'),
    advice.snippets.containerAppsYaml.trimEnd(),
    bold('Azure Container Apps (az CLI):'),
    advice.snippets.containerAppsCli,
    bold('Kubernetes HorizontalPodAutoscaler:'),
    advice.snippets.kubernetesHpa.trimEnd(),
  );
  return `${out.join('\n')}\n`;
}

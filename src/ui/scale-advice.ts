import type { ScaleAdvice } from '../ops/scale/advise.js';
import { renderTable } from './table.js';
import type { Terminal } from './terminal.js';

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
      `${bold(d.id)}: ${d.recommendation}`,
      `  rule: ${d.rule}`,
      `  why:  ${d.reason}`,
    ]),
  ];
  if (advice.tier.pricesAsOf)
    out.push(`tier costs: prices as of ${advice.tier.pricesAsOf} (${advice.tier.currency})`);
  for (const note of advice.notes) out.push(`note: ${note}`);
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

import type { SyncReport } from '../embeddings/sync.js';
import { describeModel } from '../embeddings/types.js';
import { writeJson } from './json.js';
import type { Output } from './terminal.js';

const usd = (value: number) => `$${value < 0.01 && value > 0 ? value.toFixed(6) : value.toFixed(2)}`;

/** The summary people read; --json prints the report itself. */
export function describeSync(report: SyncReport): string {
  const model = describeModel(report);
  const lines: string[] = [];
  if (report.modelChanged)
    lines.push(
      `the stored vectors are from ${report.previous ? describeModel(report.previous) : 'an unrecorded model'}: every product is embedded again`,
    );
  const cost = `about ${report.estimatedTokens.toLocaleString('en-US')} tokens (${usd(report.estimatedAzureCostUsd)} on Azure OpenAI${report.provider !== 'azure-openai' ? `; the ${report.provider} provider is free` : ''})`;
  if (report.dryRun) {
    lines.push(
      `would embed ${report.pending} of ${report.products} products with ${model}; ${cost}`,
      'dry run: nothing was written',
    );
  } else if (report.interrupted) {
    lines.push(
      `interrupted: embedded ${report.embedded} of ${report.pending} products (kept); run mcpops embeddings sync again for the remaining ${report.remaining}`,
    );
  } else if (report.pending === 0) {
    lines.push(`all ${report.products} products already have ${model} embeddings of their current text`);
  } else {
    lines.push(
      `embedded ${report.embedded} products with ${model} in ${(report.durationMs / 1000).toFixed(1)} s (${report.textsPerSecond}/s); ${report.remaining} left`,
    );
  }
  return lines.join('\n');
}

export function printSync(output: Output, report: SyncReport): void {
  if (output.terminal.json) writeJson({ ...report });
  else process.stdout.write(`${describeSync(report)}\n`);
}

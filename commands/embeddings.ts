import { type Command, Option } from 'commander';
import type { SyncReport } from '../src/embeddings/sync.js';
import { describeModel } from '../src/embeddings/types.js';
import { ExitCode } from '../src/errors.js';
import { writeJson } from '../src/ui/json.js';
import { startProgress } from '../src/ui/progress.js';
import { commandContext } from './context.js';
import { numberFlag } from './options.js';

export function registerEmbeddings(program: Command): void {
  const embeddings = program.command('embeddings').description('product description embeddings');
  embeddings
    .command('sync')
    .description('compute embeddings for products that lack one or whose description changed')
    .addOption(
      new Option('--provider <provider>', 'embedding provider').choices([
        'use-lite',
        'local',
        'azure-openai',
      ]),
    )
    .option('--batch-size <n>', 'texts per request', numberFlag('--batch-size', 1, 2048), 100)
    .option('--concurrency <n>', 'requests in flight', numberFlag('--concurrency', 1, 64), 10)
    .option('--dry-run', 'say how many would be embedded, with estimated tokens and cost')
    .option('--database-url <url>', 'PostgreSQL URL (default: embedded database)')
    .action(async (_options, command: Command) => {
      const ctx = commandContext(command);
      const batchSize = ctx.options.batchSize as number;
      const concurrency = ctx.options.concurrency as number;
      const config = await ctx.config();
      const { createEmbeddingProvider } = await import('../src/embeddings/index.js');
      const { syncEmbeddings } = await import('../src/embeddings/sync.js');
      const { openDatabase } = await import('../src/ops/bootstrap/open.js');
      const provider = await createEmbeddingProvider(config);
      const db = await openDatabase(config, {
        max: concurrency + 2,
        applicationName: `${config.applicationName}-embeddings`,
      });
      const bar = startProgress(ctx.terminal, 'embedding', 'texts');
      let report: SyncReport;
      try {
        report = await syncEmbeddings(db.pool, provider, {
          batchSize,
          concurrency,
          dryRun: Boolean(ctx.options.dryRun),
          signal: ctx.signal,
          onProgress: ({ done, total }) => bar.update(done, total),
        });
      } finally {
        bar.done();
        await provider.close?.();
        await db.close().catch(() => {});
      }
      if (ctx.terminal.json) writeJson({ ...report });
      else process.stdout.write(`${describeSync(report)}\n`);
      if (report.interrupted) process.exitCode = ExitCode.interrupted;
    });
}

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

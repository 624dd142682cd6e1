import type { Command } from 'commander';
import { commandContext } from './context.js';
import { numberFlag } from './options.js';

export function registerScaleAdvise(program: Command): void {
  program
    .command('scale-advise')
    .description('pool size, replica count and tier advice from live metrics, each with its reason')
    .option('--metrics <file>', 'a recorded metrics snapshot (JSON) instead of live metrics')
    .option('--server-url <url>', 'a running mcpops serve (/metrics)')
    .option('--replicas <n>', 'current replica count', numberFlag('--replicas', 1))
    .option('--database-url <url>', 'PostgreSQL URL')
    .option(
      '--min-replicas <n>',
      'minimum replicas (default: snapshot, else 1)',
      numberFlag('--min-replicas', 0),
    )
    .option(
      '--max-replicas <n>',
      'maximum replicas (default: snapshot, else 10)',
      numberFlag('--max-replicas', 1),
    )
    .option(
      '--target-cpu <percent>',
      'HPA target CPU utilisation',
      numberFlag('--target-cpu', 1, undefined, false),
      70,
    )
    .option(
      '--target-concurrency <n>',
      'target concurrent requests per replica',
      numberFlag('--target-concurrency', 1, undefined, false),
      10,
    )
    .option(
      '--reserve-margin <n>',
      'connections kept free beyond the reserved ones',
      numberFlag('--reserve-margin', 0),
      5,
    )
    .option('--db-tier <sku>', 'current database SKU, e.g. B1ms or D2ds_v5 (for the tier cost delta)')
    .option('--prices <file>', 'price table for the tier cost delta (default: the shipped one)')
    .option('--region <region>', 'Azure region of the price table', 'eastus')
    .option(
      '--sample-seconds <s>',
      'gap between the two /metrics scrapes (live)',
      numberFlag('--sample-seconds', 0, undefined, false),
      2,
    )
    .action(async (_options, command: Command) => {
      const ctx = commandContext(command);
      const o = ctx.options as Record<string, any>;
      const { runScaleAdvise } = await import('../src/ops/scale/run.js');
      const { withSpinner } = await import('../src/ui/spinner.js');
      const what = o.metrics ? 'advising' : `sampling live metrics for ${o.sampleSeconds} s`;
      const advice = await withSpinner(ctx.terminal, what, () =>
        runScaleAdvise({
          metricsFile: o.metrics,
          replicas: o.replicas,
          pricesFile: o.prices,
          region: o.region,
          sampleMs: o.sampleSeconds * 1000,
          config: ctx.config,
          signal: ctx.signal,
          minReplicas: o.minReplicas,
          maxReplicas: o.maxReplicas,
          targetCpu: o.targetCpu,
          targetConcurrency: o.targetConcurrency,
          reserveMargin: o.reserveMargin,
          tier: o.dbTier,
        }),
      );
      if (ctx.terminal.json) {
        const { writeJson } = await import('../src/ui/json.js');
        writeJson({ ok: true, ...advice });
      } else {
        const { renderScaleAdvice } = await import('../src/ui/scale-advice.js');
        process.stdout.write(renderScaleAdvice(advice, ctx.terminal));
      }
    });
}

import type { Command } from 'commander';
import type { ScaleAdvice } from '../src/ops/scale/advise.js';
import type { Terminal } from '../src/ui/terminal.js';
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
      const [{ adviseScale }, prices] = await Promise.all([
        import('../src/ops/scale/advise.js'),
        import('../src/ops/cost/prices.js'),
      ]);
      const file = o.prices ?? prices.shippedPriceFile();
      const sheet = prices.selectPrices(await prices.loadPriceTable(file), o.region, undefined, file);
      let snapshot: import('../src/ops/scale/snapshot.js').MetricsSnapshot;
      if (o.metrics) {
        snapshot = await (await import('../src/ops/scale/snapshot.js')).loadSnapshot(o.metrics);
        if (o.replicas !== undefined) snapshot.app.replicas.current = o.replicas;
      } else {
        const config = await ctx.config();
        const [{ openDatabase }, { collectLiveSnapshot }, { isLoopbackHost }] = await Promise.all([
          import('../src/db/open.js'),
          import('../src/ops/scale/collect.js'),
          import('../src/config/database.js'),
        ]);
        const db = await openDatabase(config, { max: 1, applicationName: 'mcpops scale-advise' });
        try {
          snapshot = await collectLiveSnapshot({
            pool: db.pool,
            serverUrl: config.serverUrl,
            replicas: o.replicas,
            sampleMs: o.sampleSeconds * 1000,
            databaseOnHost: db.embedded || (db.target.kind === 'server' && isLoopbackHost(db.target.host)),
            tier: o.dbTier,
            signal: ctx.signal,
          });
        } finally {
          await db.close();
        }
      }
      const advice = adviseScale(snapshot, o.metrics ? 'file' : 'live', {
        minReplicas: o.minReplicas,
        maxReplicas: o.maxReplicas,
        targetCpu: o.targetCpu,
        targetConcurrency: o.targetConcurrency,
        reserveMargin: o.reserveMargin,
        tier: o.dbTier,
        prices: sheet,
      });
      if (ctx.terminal.json) {
        const { writeJson } = await import('../src/ui/json.js');
        writeJson({ ok: true, ...advice });
      } else process.stdout.write(await render(advice, ctx.terminal));
    });
}

async function render(advice: ScaleAdvice, terminal: Terminal): Promise<string> {
  const { renderTable } = await import('../src/ui/table.js');
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

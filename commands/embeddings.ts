import { type Command, Option } from 'commander';
import { ExitCode } from '../src/errors.js';
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
      const config = await ctx.config();
      const [{ runEmbeddingsSync }, { printSync }, { startProgress }] = await Promise.all([
        import('../src/ops/embeddings/sync.js'),
        import('../src/ui/embeddings-sync.js'),
        import('../src/ui/progress.js'),
      ]);
      // Started on the first batch, so its rate and ETA measure the embedding alone.
      let bar: ReturnType<typeof startProgress> | undefined;
      const report = await runEmbeddingsSync(config, {
        batchSize: ctx.options.batchSize as number,
        concurrency: ctx.options.concurrency as number,
        dryRun: Boolean(ctx.options.dryRun),
        signal: ctx.signal,
        onProgress: ({ done, total }) => {
          bar ??= startProgress(ctx.terminal, 'embedding', 'texts');
          bar.update(done, total);
        },
      }).finally(() => bar?.done());
      printSync(ctx, report);
      if (report.interrupted) process.exitCode = ExitCode.interrupted;
    });
}

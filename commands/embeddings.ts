import { type Command, Option } from 'commander';
import { notImplemented } from './not-implemented.js';

export function registerEmbeddings(program: Command): void {
  const embeddings = program.command('embeddings').description('product description embeddings');
  embeddings
    .command('sync')
    .description('compute embeddings for products that lack one or whose description changed')
    .addOption(new Option('--provider <provider>', 'embedding provider').choices(['local', 'azure-openai']))
    .option('--batch-size <n>', 'texts per request', '100')
    .option('--concurrency <n>', 'requests in flight', '10')
    .option('--dry-run', 'say how many would be embedded, with estimated tokens and cost')
    .option('--database-url <url>', 'PostgreSQL URL (default: embedded database)')
    .action(notImplemented('embeddings sync'));
}

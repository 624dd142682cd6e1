import { type Command, Option } from 'commander';
import { notImplemented } from './not-implemented.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'run the Zava MCP server (stdio by default, Streamable HTTP with --http), store-scoped and read-only',
    )
    .option('--http', 'serve Streamable HTTP instead of stdio')
    .option('--host <host>', 'HTTP bind address (default 127.0.0.1)')
    .option('--port <port>', 'HTTP port (default 8000)')
    .option('--stateless', 'HTTP without sessions (each request stands alone)')
    .option('--store <name>', 'stdio identity: a store name, e.g. "Zava Retail Seattle", or "head office"')
    .option('--rls-user-id <uuid>', 'stdio identity: a store rls_user_id or the head-office id')
    .addOption(new Option('--auth <mode>', 'HTTP authentication').choices(['none', 'jwt']))
    .option('--database-url <url>', 'PostgreSQL URL (default: embedded database)')
    .option('--embedded-dir <dir>', 'embedded database folder')
    .action(notImplemented('serve'));
}

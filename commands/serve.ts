import { type Command, Option } from 'commander';
import { ExitCode } from '../src/errors.js';
import { commandContext } from './context.js';
import { numberFlag, uuidFlag } from './options.js';

interface ServeFlags {
  http?: boolean;
  stateless?: boolean;
  store?: string;
  rlsUserId?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'run the Zava MCP server (stdio by default, Streamable HTTP with --http), store-scoped and read-only',
    )
    .option('--http', 'serve Streamable HTTP instead of stdio')
    .option('--host <host>', 'HTTP bind address (default 127.0.0.1)')
    .option('--port <port>', 'HTTP port (default 8000)', numberFlag('--port', 0, 65535, true, 8000))
    .option('--stateless', 'HTTP without sessions (each request stands alone)')
    .option('--store <name>', 'stdio identity: a store name, e.g. "Zava Retail Seattle", or "head office"')
    .option(
      '--rls-user-id <uuid>',
      'stdio identity: a store rls_user_id or the head-office id',
      uuidFlag('--rls-user-id'),
    )
    .addOption(new Option('--auth <mode>', 'HTTP authentication').choices(['none', 'jwt']))
    .option('--database-url <url>', 'PostgreSQL URL (default: embedded database)')
    .option('--embedded-dir <dir>', 'embedded database folder')
    .action(async (_options, command: Command) => {
      const ctx = commandContext(command);
      const flags = ctx.options as ServeFlags;
      const config = await ctx.config();
      // stdout belongs to the protocol (stdio) or is unused (HTTP): every line for people goes to stderr.
      const { createLogger } = await import('../src/mcp/log.js');
      const { startServe } = await import('../src/mcp/serve.js');
      const { secretValues } = await import('../src/config/secret.js');
      // On a terminal a person watches: one progress line, no JSON log lines unless --verbose.
      const person = ctx.terminal.animate && !ctx.options.verbose;
      const log = createLogger(
        ctx.options.verbose ? 'debug' : person ? 'warn' : config.logLevel,
        undefined,
        secretValues(config),
      );
      const { startStages } = await import('../src/ui/progress.js');
      const progress = person ? startStages(ctx.terminal, 'mcpops serve') : undefined;
      let lastProgress = '';
      const running = await startServe({
        config,
        http: Boolean(flags.http),
        stateless: Boolean(flags.stateless),
        store: flags.store,
        rlsUserId: flags.rlsUserId,
        log,
        onProgress: (message, done, total) => {
          if (progress) progress.update(message, done, total);
          else if (message !== lastProgress) log.info(message);
          lastProgress = message;
        },
      }).finally(() => progress?.done());
      if (person)
        ctx.info(
          flags.http
            ? `mcpops serve: listening on http://${config.httpHost}:${config.httpPort}/mcp (Ctrl-C to stop)`
            : 'mcpops serve: speaking MCP on stdio (Ctrl-C to stop)',
        );
      const reason = await new Promise<string>((resolve) => {
        if (ctx.signal.aborted) resolve('SIGINT');
        ctx.signal.addEventListener('abort', () => resolve('SIGINT'), { once: true });
        process.once('SIGTERM', () => resolve('SIGTERM'));
        void running.ended.then(() => resolve('client closed stdin'));
      });
      log.info('shutting down', { reason });
      await running.stop();
      log.info('stopped');
      // A clean shutdown on SIGINT/SIGTERM is success for a server (130 is for interrupted CLI operations).
      process.exitCode = ExitCode.ok;
    });
}

import { Argument, type Command } from 'commander';
import { ExitCode } from '../src/errors.js';
import type { ClientName } from '../src/ops/config/client-config.js';
import { commandContext } from './context.js';

interface ClientConfigFlags {
  http?: boolean;
  store?: string[];
  url?: string;
  databaseUrl?: string;
  write?: boolean;
  file?: string;
  yes?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerClientConfig(program: Command): void {
  program
    .command('client-config')
    .description(
      'print (or --write) the MCP client entries that start this installation from any folder, one per store',
    )
    .addArgument(
      new Argument('<client>', 'the MCP client').choices(['claude', 'vscode', 'cursor', 'inspector']),
    )
    .option('--http', 'entries for a running `mcpops serve --http` instead of one stdio server per entry')
    .option('--store <name>', 'only this store (repeatable; default: every store and head office)', collect)
    .option('--url <url>', 'the MCP endpoint for --http entries (default http://127.0.0.1:8000/mcp)')
    .option('--database-url <url>', 'DATABASE_URL for stdio entries (default: the embedded database)')
    .option('--write', "merge the entries into the client's config file, after showing what changes")
    .option('--file <path>', 'the config file to --write (default: where the client reads it)')
    .option('--yes', 'write without asking')
    .action(async (client: ClientName, _options, command: Command) => {
      const ctx = commandContext(command);
      const flags = ctx.options as ClientConfigFlags;
      const [core, ui] = await Promise.all([
        import('../src/ops/config/client-config.js'),
        import('../src/ui/client-config.js'),
      ]);
      const config = core.buildClientConfig({
        client,
        http: Boolean(flags.http),
        stores: flags.store,
        url: flags.url,
        globalArgs: core.pinnedFiles(ctx.options.config, ctx.options.dotenv),
        env: flags.databaseUrl ? { DATABASE_URL: flags.databaseUrl } : undefined,
      });
      if (!flags.write) return ui.printClientEntries(ctx, client, config.document);
      const plan = core.planMerge(core.clientFile(client, flags.file), config);
      if (!(await ui.confirmMerge(ctx, plan, config.key, flags.yes))) {
        ctx.info('nothing written');
        process.exitCode = ExitCode.failure;
        return;
      }
      if (core.mergeChanges(plan) > 0) core.applyMerge(plan);
      ui.printMerge(ctx, client, plan);
    });
}

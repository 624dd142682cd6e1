import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Argument, type Command } from 'commander';
import { ExitCode, UsageError } from '../src/errors.js';
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
      const { buildClientConfig, defaultClientFile, planMerge, applyMerge } = await import(
        '../src/ops/config/client-config.js'
      );
      const config = buildClientConfig({
        client,
        http: Boolean(flags.http),
        stores: flags.store,
        url: flags.url,
        globalArgs: pinnedFiles(ctx.options.config, ctx.options.dotenv),
        env: flags.databaseUrl ? { DATABASE_URL: flags.databaseUrl } : undefined,
      });
      if (!flags.write) {
        if (ctx.terminal.json) {
          const { writeJson } = await import('../src/ui/json.js');
          writeJson({ ok: true, client, written: false, config: config.document });
        } else process.stdout.write(`${JSON.stringify(config.document, null, 2)}\n`);
        return;
      }
      const file = flags.file ? resolve(flags.file) : defaultClientFile(client);
      if (!file) {
        throw new UsageError('the MCP Inspector has no fixed config file', {
          code: 'client_file_needed',
          suggestion: 'Pass --file <path> and start the Inspector with --config <path> --server <entry>.',
        });
      }
      const { renderMergeDiff } = await import('../src/ui/client-config.js');
      const plan = planMerge(file, config);
      const changes = plan.added.length + plan.changed.length;
      if (changes > 0) {
        if (!ctx.terminal.json) process.stderr.write(renderMergeDiff(ctx.terminal, plan, config.key));
        const { confirmAction } = await import('../src/ui/prompt.js');
        const go = await confirmAction(
          ctx.terminal,
          `Write ${changes} entr${changes === 1 ? 'y' : 'ies'} to ${file}?`,
          {
            yes: flags.yes,
          },
        );
        if (!go) {
          ctx.info('nothing written');
          process.exitCode = ExitCode.failure;
          return;
        }
        applyMerge(plan);
      }
      if (ctx.terminal.json) {
        const { writeJson } = await import('../src/ui/json.js');
        writeJson({
          ok: true,
          client,
          written: changes > 0,
          file,
          added: plan.added,
          changed: plan.changed,
          unchanged: plan.unchanged,
        });
      } else
        ctx.info(
          changes > 0
            ? `wrote ${file}: ${plan.added.length} added, ${plan.changed.length} changed, ${plan.unchanged.length} unchanged; restart the client to load them`
            : `${file} already has these entries; nothing written`,
        );
    });
}

/**
 * A client starts the server in its own folder, where this folder's mcpops.config.json and .env
 * are not found: the files this run would read are passed on by absolute path.
 */
function pinnedFiles(config?: string, dotenv?: string): string[] {
  const args: string[] = [];
  const configFile = config ?? (existsSync('mcpops.config.json') ? 'mcpops.config.json' : undefined);
  if (configFile) args.push('--config', resolve(configFile));
  const envFile = dotenv ?? (existsSync('.env') ? '.env' : undefined);
  if (envFile) args.push('--dotenv', resolve(envFile));
  return args;
}

import { Command, CommanderError, Option } from 'commander';
import { registerBackup } from '../commands/backup.js';
import { registerClientConfig } from '../commands/client-config.js';
import { registerCostEstimate } from '../commands/cost-estimate.js';
import { registerDb } from '../commands/db.js';
import { registerEmbeddings } from '../commands/embeddings.js';
import { registerHealth } from '../commands/health.js';
import { registerIndex } from '../commands/index-apply.js';
import { registerRestore } from '../commands/restore.js';
import { registerScaleAdvise } from '../commands/scale-advise.js';
import { registerServe } from '../commands/serve.js';
import { registerValidateConfig } from '../commands/validate-config.js';
import { maskText } from './config/mask.js';
import { ExitCode, isMcpopsError } from './errors.js';
import { writeJson } from './ui/json.js';
import { packageVersion } from './version.js';

export function buildProgram(): Command {
  const program = new Command('mcpops')
    .description(
      'Operator CLI for PostgreSQL-backed MCP servers (the Zava retail MCP server and its operations)',
    )
    .version(packageVersion(), '-V, --version')
    .option('--json', 'print one JSON document on stdout (logs go to stderr)')
    .option('--verbose', 'more detail, and stack traces on errors')
    .option('--config <file>', 'config file (default: mcpops.config.json if present)')
    .option('--dotenv <file>', '.env file to read (default: .env if present)')
    .addOption(new Option('--profile <profile>', 'config profile').choices(['dev', 'prod']))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureHelp({ sortSubcommands: false });

  registerServe(program);
  registerClientConfig(program);
  registerDb(program);
  registerIndex(program);
  registerHealth(program);
  registerBackup(program);
  registerRestore(program);
  registerValidateConfig(program);
  registerCostEstimate(program);
  registerScaleAdvise(program);
  registerEmbeddings(program);

  for (const command of allCommands(program)) command.exitOverride();
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((child) => [child, ...allCommands(child)]);
}

/** Maps any thrown error to its exit code and prints it once: one line + fix, stack only with --verbose. */
export function reportError(error: unknown, flags: { json: boolean; verbose: boolean }): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return ExitCode.ok;
    if (flags.json)
      writeJson({ ok: false, error: { code: error.code, message: error.message.replace(/^error: /, '') } });
    return ExitCode.usage;
  }
  const known = isMcpopsError(error);
  const message = maskText(error instanceof Error ? error.message : String(error));
  const exitCode = known ? error.exitCode : ExitCode.failure;
  if (flags.json) {
    writeJson({ ok: false, error: known ? { ...error.toJSON(), message } : { code: 'internal', message } });
  } else {
    process.stderr.write(`mcpops: ${message}\n`);
    if (known && error.suggestion) process.stderr.write(`  fix: ${maskText(error.suggestion)}\n`);
  }
  if (flags.verbose && error instanceof Error && error.stack)
    process.stderr.write(`${maskText(error.stack)}\n`);
  else if (!known && !flags.json)
    process.stderr.write('  (an unexpected error; run with --verbose for the stack trace)\n');
  return exitCode;
}

export async function main(argv: string[]): Promise<void> {
  const flags = { json: argv.includes('--json'), verbose: argv.includes('--verbose') };
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error, flags);
  }
}

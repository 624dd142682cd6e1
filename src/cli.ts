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
import { formatNagiosUnknown } from './ui/nagios.js';
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
export function reportError(
  error: unknown,
  flags: { json: boolean; verbose: boolean; nagios?: boolean },
): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return ExitCode.ok;
    if (flags.nagios) {
      process.stdout.write(`${formatNagiosUnknown(error.message.replace(/^error: /, ''))}\n`);
      return ExitCode.unknown;
    }
    if (flags.json)
      writeJson({ ok: false, error: { code: error.code, message: error.message.replace(/^error: /, '') } });
    return ExitCode.usage;
  }
  const known = isMcpopsError(error);
  const message = maskText(error instanceof Error ? error.message : String(error));
  const exitCode = known ? error.exitCode : ExitCode.failure;
  if (flags.nagios) {
    process.stdout.write(`${formatNagiosUnknown(message)}\n`);
    return ExitCode.unknown;
  }
  if (flags.json) {
    writeJson({
      ok: false,
      ...(known ? error.details : {}),
      error: known ? { ...error.toJSON(), message } : { code: 'internal', message },
    });
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

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * `backup lst`: commander suggests mistyped top-level commands itself, but a mistyped subcommand
 * of a command that also runs on its own reads as a stray argument; name the closest one.
 */
function subcommandHint(program: Command, args: string[]): string | undefined {
  let command = program;
  const path: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    const child = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (child) {
      command = child;
      path.push(arg);
      continue;
    }
    if (command === program || command.commands.length === 0) return undefined;
    const best = command.commands
      .map((c) => ({ name: c.name(), d: distance(arg, c.name()) }))
      .sort((x, y) => x.d - y.d)[0];
    return best && best.d <= Math.max(1, Math.floor(best.name.length / 3))
      ? [...path, best.name].join(' ')
      : undefined;
  }
  return undefined;
}

/** `health --format nagios`: a plugin must print one line and exit 0-3 whatever goes wrong. */
function isNagiosRun(argv: string[]): boolean {
  const format = argv.findIndex((arg) => arg === '--format' || arg === '--format=nagios');
  return (
    argv.includes('health') &&
    !argv.includes('--json') &&
    format >= 0 &&
    (argv[format] === '--format=nagios' || argv[format + 1] === 'nagios')
  );
}

export async function main(argv: string[]): Promise<void> {
  const flags = {
    json: argv.includes('--json'),
    verbose: argv.includes('--verbose'),
    nagios: isNagiosRun(argv),
  };
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // Node itself takes --env-file (it loads the file, or exits 9 when it is missing).
    const envFileHint =
      error instanceof CommanderError &&
      error.code === 'commander.unknownOption' &&
      argv.includes('--env-file')
        ? '--dotenv <file>'
        : undefined;
    const hint =
      error instanceof CommanderError && error.code === 'commander.excessArguments'
        ? subcommandHint(program, argv.slice(2))
        : envFileHint;
    if (hint && !flags.json && !flags.nagios) process.stderr.write(`(Did you mean ${hint}?)\n`);
    process.exitCode = reportError(error, flags);
  }
}

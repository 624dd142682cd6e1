import type { Command } from 'commander';
import type { LoadedConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { ExitCode } from '../src/errors.js';
import { detectTerminal, type Terminal } from '../src/ui/terminal.js';

export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
  config?: string;
  dotenv?: string;
  profile?: string;
}

export interface CommandContext {
  options: Record<string, unknown> & GlobalOptions;
  terminal: Terminal;
  /** Cancelled on the first Ctrl-C; long operations watch it and clean up. */
  signal: AbortSignal;
  /** Loads config with this command's flags on top; throws ConfigError (78) on error findings. */
  config(): Promise<Config>;
  loadConfig(): Promise<LoadedConfig>;
  /** A line for people on stderr (never stdout, which belongs to results). */
  info(message: string): void;
}

let interruptController: AbortController | undefined;

/** One AbortController per process, aborted on SIGINT; a second Ctrl-C exits at once with 130. */
export function interruptSignal(): AbortSignal {
  if (!interruptController) {
    const controller = new AbortController();
    interruptController = controller;
    process.on('SIGINT', () => {
      if (controller.signal.aborted) process.exit(ExitCode.interrupted);
      process.exitCode = ExitCode.interrupted;
      controller.abort();
    });
  }
  return interruptController.signal;
}

export interface CommandContextOptions {
  /**
   * This command's flags that share a setting's flag name but mean something else here (restore's
   * --target is a database, not the backup location): they never feed the config.
   */
  notSettings?: string[];
}

export function commandContext(command: Command, contextOptions: CommandContextOptions = {}): CommandContext {
  const options = command.optsWithGlobals() as CommandContext['options'];
  const terminal = detectTerminal({ json: options.json, verbose: options.verbose });
  const flags = Object.fromEntries(
    Object.entries(options).filter(([name]) => !contextOptions.notSettings?.includes(name)),
  );
  let loaded: Promise<LoadedConfig> | undefined;
  // The loader (zod, dotenv) is imported on first use, so `--help` never pays for it.
  const load = (): Promise<LoadedConfig> => {
    loaded ??= import('../src/config/load.js').then(({ loadConfig }) =>
      loadConfig({ flags, configFile: options.config, envFile: options.dotenv }),
    );
    return loaded;
  };
  return {
    options,
    terminal,
    signal: interruptSignal(),
    loadConfig: load,
    config: async () => {
      const { assertConfigValid } = await import('../src/config/load.js');
      return assertConfigValid(await load());
    },
    info: (message) => {
      if (!terminal.json) process.stderr.write(`${message}\n`);
    },
  };
}

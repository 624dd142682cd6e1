import { Chalk, type ChalkInstance } from 'chalk';

export interface TerminalOptions {
  json?: boolean;
  verbose?: boolean;
  env?: NodeJS.ProcessEnv;
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  stdinIsTTY?: boolean;
}

/** What the terminal allows: colour, spinners, prompts. Decided once per command run. */
export interface Terminal {
  json: boolean;
  verbose: boolean;
  /** Colours on stdout (tables, reports). */
  color: boolean;
  /** Spinners and progress bars on stderr. */
  animate: boolean;
  /** Prompts may be asked. */
  interactive: boolean;
  chalk: ChalkInstance;
}

/** Where a report goes: the terminal it is shown on, and a line for people on stderr. */
export interface Output {
  terminal: Terminal;
  info(message: string): void;
}

export function detectTerminal(options: TerminalOptions = {}): Terminal {
  const env = options.env ?? process.env;
  const json = Boolean(options.json);
  const ci = Boolean(env.CI) && env.CI !== 'false' && env.CI !== '0';
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const stdoutTTY = options.stdoutIsTTY ?? Boolean(process.stdout.isTTY);
  const stderrTTY = options.stderrIsTTY ?? Boolean(process.stderr.isTTY);
  const stdinTTY = options.stdinIsTTY ?? Boolean(process.stdin.isTTY);
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const color = !json && !noColor && !ci && (stdoutTTY || forced);
  return {
    json,
    verbose: Boolean(options.verbose),
    color,
    animate: !json && !ci && !noColor && stderrTTY,
    interactive: !ci && stdinTTY && stderrTTY,
    // chalk does not read NO_COLOR itself, so its level is set from the decision above.
    chalk: new Chalk({ level: color ? 1 : 0 }),
  };
}

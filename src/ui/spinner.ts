import ora, { type Ora } from 'ora';
import type { Terminal } from './terminal.js';

export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

const silent: Spinner = { update() {}, succeed() {}, fail() {}, stop() {} };

/** A spinner on stderr, only when the terminal animates; otherwise a no-op. */
export function startSpinner(terminal: Terminal, text: string): Spinner {
  if (!terminal.animate) return silent;
  const spinner: Ora = ora({ text, stream: process.stderr }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    succeed: (final) => void spinner.succeed(final),
    fail: (final) => void spinner.fail(final),
    stop: () => void spinner.stop(),
  };
}

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

/** Work that usually ends within this long shows no spinner at all (no flicker). */
const SPINNER_DELAY_MS = 300;

/**
 * Runs `work` with a spinner on stderr while it lasts (from SPINNER_DELAY_MS on, and only where
 * the terminal animates); the spinner line is cleared before the result is printed.
 */
export async function withSpinner<T>(terminal: Terminal, text: string, work: () => Promise<T>): Promise<T> {
  let spinner: Spinner | undefined;
  const timer = setTimeout(() => {
    spinner = startSpinner(terminal, text);
  }, SPINNER_DELAY_MS);
  try {
    return await work();
  } finally {
    clearTimeout(timer);
    spinner?.stop();
  }
}

import type { Terminal } from './terminal.js';

/** Work that usually ends within this long shows no spinner at all (no flicker). */
const SPINNER_DELAY_MS = 300;

/**
 * Runs `work` with a spinner (ora) on stderr while it lasts, from SPINNER_DELAY_MS on and only
 * where the terminal animates; the spinner line is cleared before the result is printed. ora is
 * loaded only when a spinner starts, so cron and scripts never pay for it.
 */
export async function withSpinner<T>(terminal: Terminal, text: string, work: () => Promise<T>): Promise<T> {
  if (!terminal.animate) return work();
  let finished = false;
  let stop = () => {};
  const timer = setTimeout(() => {
    void import('ora').then(({ default: ora }) => {
      if (finished) return;
      const spinner = ora({ text, stream: process.stderr }).start();
      stop = () => void spinner.stop();
    });
  }, SPINNER_DELAY_MS);
  try {
    return await work();
  } finally {
    finished = true;
    clearTimeout(timer);
    stop();
  }
}

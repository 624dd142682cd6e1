import type { Terminal } from './terminal.js';

export interface ProgressBar {
  /** done and total in the unit given at start; label says what is being worked on. */
  update(done: number, total: number, label?: string): void;
  done(message?: string): void;
}

const WIDTH = 28;

function formatRate(rate: number, unit: string): string {
  if (unit === 'bytes') {
    const mb = rate / 1024 / 1024;
    return `${mb.toFixed(1)} MB/s`;
  }
  return `${Math.round(rate)} ${unit}/s`;
}

function formatAmount(value: number, unit: string): string {
  if (unit === 'bytes') return `${(value / 1024 / 1024).toFixed(1)} MB`;
  return String(value);
}

/** `width` cells, the done share of them filled. */
function barCells(ratio: number, width: number): string {
  const filled = Math.round(ratio * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** Clears the progress line, leaving `message` (if any) on a line of its own. */
const clearLine = (message?: string) => process.stderr.write(`\r\x1b[2K${message ? `${message}\n` : ''}`);

/** A progress bar with rate and ETA on stderr; silent when the terminal does not animate. */
export function startProgress(terminal: Terminal, title: string, unit = 'rows'): ProgressBar {
  if (!terminal.animate) return { update() {}, done() {} };
  const started = Date.now();
  let lastDraw = 0;
  const draw = (done: number, total: number, label?: string): void => {
    const now = Date.now();
    if (now - lastDraw < 80 && done < total) return;
    lastDraw = now;
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const elapsed = (now - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 && total > done ? Math.ceil((total - done) / rate) : 0;
    const bar = barCells(ratio, WIDTH);
    const text = `${title} ${bar} ${(ratio * 100).toFixed(0).padStart(3)}% ${formatAmount(done, unit)}/${formatAmount(total, unit)} ${formatRate(rate, unit)} ETA ${eta}s${label ? ` ${label}` : ''}`;
    process.stderr.write(`\r\x1b[2K${terminal.chalk.cyan(text)}`);
  };
  return { update: draw, done: clearLine };
}

export interface StageProgress {
  /** A stage message; with done/total it shows a bar, the count and an ETA for that stage. */
  update(stage: string, done?: number, total?: number): void;
  done(message?: string): void;
}

/**
 * One line on stderr, redrawn in place, for work made of stages (the embedded database's first
 * start: schema, sample rows, product embeddings). Stays silent where the terminal does not animate.
 */
export function startStages(terminal: Terminal, title: string): StageProgress {
  if (!terminal.animate) return { update() {}, done() {} };
  const started = Date.now();
  let stage = '';
  let stageStarted = started;
  let lastDraw = 0;
  const width = () => Math.max(40, (process.stderr.columns ?? 100) - 1);
  return {
    update(next, done, total) {
      const now = Date.now();
      if (next !== stage) {
        stage = next;
        stageStarted = now;
      } else if (now - lastDraw < 100 && (done === undefined || done < (total ?? 0))) return;
      lastDraw = now;
      const elapsed = Math.round((now - started) / 1000);
      let text = `${title} · ${stage}`;
      if (done !== undefined && total) {
        const ratio = Math.min(1, done / total);
        const rate = done / Math.max(0.001, (now - stageStarted) / 1000);
        const eta = rate > 0 && total > done ? ` ETA ${Math.ceil((total - done) / rate)}s` : '';
        text += ` ${barCells(ratio, 20)} ${(ratio * 100).toFixed(0)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}${eta}`;
      }
      text = `${text} (${elapsed}s)`;
      if (text.length > width()) text = `${text.slice(0, width() - 1)}…`;
      process.stderr.write(`\r\x1b[2K${terminal.chalk.cyan(text)}`);
    },
    done: clearLine,
  };
}

/** The bytes bar of backup and restore: bytes so far of the estimate, and the step (and table). */
export function startByteProgress(
  terminal: Terminal,
  title: string,
): {
  onProgress(p: { step: string; table?: string; bytes: number; totalBytes: number }): void;
  done(): void;
} {
  const bar = startProgress(terminal, title, 'bytes');
  return {
    onProgress: (p) =>
      bar.update(p.bytes, Math.max(p.bytes, p.totalBytes), p.table ? `${p.step} ${p.table}` : p.step),
    done: () => bar.done(),
  };
}

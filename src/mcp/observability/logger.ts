import { maskText, maskValue } from '../../config/mask.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/**
 * Structured JSON lines on stderr (stdout belongs to the stdio protocol). Every line goes
 * through the masking function, with the configured secret values as known secrets.
 */
export function createLogger(options: {
  level: LogLevel;
  secrets?: string[];
  write?: (line: string) => void;
  base?: Record<string, unknown>;
}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const secrets = options.secrets ?? [];
  const make = (base: Record<string, unknown>): Logger => ({
    log(level, event, fields = {}) {
      if (ORDER[level] < ORDER[options.level]) return;
      const record = maskValue({ time: new Date().toISOString(), level, event, ...base, ...fields }, secrets);
      write(`${maskText(JSON.stringify(record), secrets)}\n`);
    },
    child: (fields) => make({ ...base, ...fields }),
  });
  return make(options.base ?? {});
}

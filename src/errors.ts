/**
 * The one error type of mcpops. Every failure a user can cause or meet carries a code,
 * an exit code from the README's table, and a suggestion saying how to fix it.
 */
export const ExitCode = {
  ok: 0,
  warning: 1,
  failure: 2,
  unknown: 3,
  usage: 64,
  unavailable: 69,
  config: 78,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface McpopsErrorOptions {
  code: string;
  exitCode?: ExitCodeValue;
  suggestion?: string;
  /** What a --json error document carries next to the error (e.g. the plan that was refused). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class McpopsError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly suggestion?: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, options: McpopsErrorOptions) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.suggestion = options.suggestion;
    this.details = options.details;
  }

  toJSON(): { code: string; message: string; suggestion?: string } {
    return {
      code: this.code,
      message: this.message,
      ...(this.suggestion ? { suggestion: this.suggestion } : {}),
    };
  }
}

type SubclassOptions = Omit<McpopsErrorOptions, 'exitCode' | 'code'> & { code?: string };

export class UsageError extends McpopsError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, { ...options, code: options.code ?? 'usage', exitCode: ExitCode.usage });
  }
}

export class ConfigError extends McpopsError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, { ...options, code: options.code ?? 'config', exitCode: ExitCode.config });
  }
}

/** A required service (database, storage, embeddings endpoint) could not be reached. */
export class UnavailableError extends McpopsError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, { ...options, code: options.code ?? 'unavailable', exitCode: ExitCode.unavailable });
  }
}

export class OperationError extends McpopsError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, { ...options, code: options.code ?? 'failed', exitCode: ExitCode.failure });
  }
}

export class InterruptedError extends McpopsError {
  constructor(message = 'Interrupted', options: SubclassOptions = {}) {
    super(message, { ...options, code: options.code ?? 'interrupted', exitCode: ExitCode.interrupted });
  }
}

export function isMcpopsError(error: unknown): error is McpopsError {
  return error instanceof McpopsError;
}

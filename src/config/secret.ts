import { inspect } from 'node:util';

const HIDDEN = '***';

/**
 * A secret value that hides itself: string conversion, JSON and util.inspect all print `***`.
 * The value is reachable only through `reveal()`, at the place it is handed to a driver.
 */
export class Secret {
  readonly #value: string;
  /** The reference it was resolved from (`keyvault:name`, `file:/path`), safe to print. */
  readonly reference?: string;

  constructor(value: string, reference?: string) {
    this.#value = value;
    this.reference = reference;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return HIDDEN;
  }
}

/** Every secret value in a loaded config, for masking text that may contain one. */
export function secretValues(config: object): string[] {
  return Object.values(config)
    .filter((value): value is Secret => value instanceof Secret)
    .map((secret) => secret.reveal());
}

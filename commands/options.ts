import { HEAD_OFFICE_ID, STORES } from '../src/db/stores.js';
import { UsageError } from '../src/errors.js';

/**
 * The one parser for numeric flags (commander argParser): a bad value is a usage error (64)
 * before anything starts, naming the flag and the range.
 */
export function numberFlag(
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  integer = true,
  example = Math.min(max, Math.max(min, 1)),
) {
  return (text: string): number => {
    const value = Number(text);
    if (
      text.trim() === '' ||
      !Number.isFinite(value) ||
      value < min ||
      value > max ||
      (integer && !Number.isInteger(value))
    )
      throw new UsageError(
        `${flag} must be ${integer ? 'a whole number' : 'a number'} from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'} (got "${text}")`,
        { code: 'invalid_option', suggestion: `Pass e.g. ${flag} ${example}.` },
      );
    return value;
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A store id flag, checked for its form before any database is opened (never echoed back). */
export function uuidFlag(flag: string) {
  return (text: string): string => {
    if (!UUID.test(text.trim()))
      throw new UsageError(`${flag} must be a store's rls_user_id (a UUID); got a value that is not a UUID`, {
        code: 'invalid_option',
        suggestion: `Use one of: ${[...STORES, { name: 'head office', rlsUserId: HEAD_OFFICE_ID }].map((s) => `"${s.name}" (${s.rlsUserId})`).join(', ')}; or --store "<store name>".`,
      });
    return text.trim();
  };
}

import { packageVersion } from '../version.js';

/**
 * Writes the one JSON document a --json run prints on stdout: `{version, ok, …}` with camelCase
 * keys, where `ok` is true exactly when the command exits 0.
 */
export function writeJson(
  document: { ok: boolean } & Record<string, unknown>,
  out: NodeJS.WritableStream = process.stdout,
): void {
  const { ok, ...rest } = document;
  out.write(`${JSON.stringify({ version: packageVersion(), ok, ...rest }, null, 2)}\n`);
}

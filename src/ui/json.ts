import { packageVersion } from '../version.js';

/** Writes the one JSON document a --json run prints on stdout. */
export function writeJson(
  document: Record<string, unknown>,
  out: NodeJS.WritableStream = process.stdout,
): void {
  out.write(`${JSON.stringify({ version: packageVersion(), ...document }, null, 2)}\n`);
}

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/**
 * The compact result shape Zava clients read: columns, rows (arrays), count; `msg` for an
 * empty result or a note (truncation); `err` for a failure. Numerics are strings.
 */
export const compactResultShape = {
  c: z.array(z.string()).describe('column names'),
  r: z
    .array(z.array(z.unknown()))
    .describe('rows, each an array in column order; numeric values are strings'),
  n: z.number().int().describe('number of rows returned'),
  msg: z.string().optional().describe('a note: no rows, or why rows were left out'),
  err: z.string().optional().describe('the error, when the call failed'),
  truncated: z.boolean().optional().describe('true when a row or byte cap left rows out'),
};

export type CompactResult = {
  c: string[];
  r: unknown[][];
  n: number;
  msg?: string;
  err?: string;
  truncated?: boolean;
};

/** The same data twice: compact JSON text for clients that read text, structuredContent for the rest. */
export function toolResult(result: CompactResult, isError = false): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(result) }],
    structuredContent: result as unknown as Record<string, unknown>,
    ...(isError ? { isError: true } : {}),
  };
}

export function rowsResult(columns: string[], rows: unknown[][], msg?: string): CallToolResult {
  if (rows.length === 0) {
    return toolResult({ c: [], r: [], n: 0, msg: msg ?? 'The query ran and returned no rows.' });
  }
  return toolResult({ c: columns, r: rows, n: rows.length, ...(msg ? { msg } : {}) });
}

export function errorResult(message: string): CallToolResult {
  return toolResult({ err: message, c: [], r: [], n: 0 }, true);
}

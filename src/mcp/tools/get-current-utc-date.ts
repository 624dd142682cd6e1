import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { READ_ONLY_ANNOTATIONS, type ToolDeps } from './types.js';

export const GET_CURRENT_UTC_DATE = 'get_current_utc_date';

/** Needs no identity and no database: it is how a model anchors "last month" or "this year". */
export function registerGetCurrentUtcDate(
  server: McpServer,
  _deps: ToolDeps,
  now: () => Date = () => new Date(),
): void {
  server.registerTool(
    GET_CURRENT_UTC_DATE,
    {
      title: 'Current UTC date and time',
      description:
        'The current date and time in UTC (ISO 8601). Call it before writing SQL about relative periods ("this year", "last 30 days", "last quarter") so date filters on retail.orders.order_date use real dates.',
      inputSchema: {},
      outputSchema: {
        utc: z.string().describe('ISO 8601, e.g. 2026-11-25T14:45:27.123Z'),
        date: z.string().describe('the UTC date, YYYY-MM-DD'),
      },
      annotations: { ...READ_ONLY_ANNOTATIONS, idempotentHint: false },
    },
    () => {
      const utc = now().toISOString();
      return {
        content: [{ type: 'text', text: utc }],
        structuredContent: { utc, date: utc.slice(0, 10) },
      };
    },
  );
}

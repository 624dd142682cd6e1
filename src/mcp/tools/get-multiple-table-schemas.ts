import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type DataCall, runDataCall } from '../data-call.js';
import {
  type Catalog,
  canonicalTable,
  readCatalog,
  SCHEMA_TABLES,
  type SchemaTable,
} from '../schema/catalog.js';
import { schemasMarkdown, tableMarkdown } from '../schema/markdown.js';
import { READ_ONLY_ANNOTATIONS, type ToolDeps } from './types.js';

export const GET_MULTIPLE_TABLE_SCHEMAS = 'get_multiple_table_schemas';

const DESCRIPTION = `Describe Zava retail tables before writing SQL for execute_sales_query: for each table, its purpose, every column with its PostgreSQL type, primary and foreign keys with join direction (MANY_TO_ONE / ONE_TO_MANY), the valid values you can filter on (store names, category names, product type names, the order years your store has data for) and query hints.
Ask for all the tables a question touches in one call. Valid names: ${SCHEMA_TABLES.join(', ')}.
Key facts: sales are retail.orders (order_date is a DATE, no total column) joined to retail.order_items (quantity, unit_price, discount_amount, total_amount = line revenue, all money as numeric); products join categories and product_types; the online store is stores.is_online = true.`;

/** The catalog for this identity: from the per-identity cache, or read in the caller's session. */
export function catalogFor(deps: ToolDeps, call: DataCall): Promise<Catalog> {
  return deps.schemaCache.get(call.identity.rlsUserId, async () => {
    // A catalog refresh is a moment the tables may have changed: re-read their row security too.
    await deps.production?.posture?.check();
    return call.session(readCatalog);
  });
}

export function registerGetMultipleTableSchemas(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    GET_MULTIPLE_TABLE_SCHEMAS,
    {
      title: 'Zava table schemas',
      description: DESCRIPTION,
      inputSchema: {
        table_names: z
          .array(z.string())
          .min(1)
          .max(SCHEMA_TABLES.length * 2)
          .describe(`schema-qualified table names, e.g. ["retail.orders", "retail.order_items"]`),
      },
      outputSchema: {
        tables: z.array(z.object({ name: z.string(), markdown: z.string() })),
        err: z.string().optional().describe('the error, when the call failed (tables is then empty)'),
      },
      annotations: READ_ONLY_ANNOTATIONS,
    },
    (args, extra) => {
      const wanted: SchemaTable[] = [];
      const unknown: string[] = [];
      for (const name of args.table_names) {
        const table = canonicalTable(name);
        if (!table) unknown.push(name);
        else if (!wanted.includes(table)) wanted.push(table);
      }
      if (unknown.length > 0) return Promise.resolve(invalidTables(unknown));
      return runDataCall(
        deps,
        extra,
        GET_MULTIPLE_TABLE_SCHEMAS,
        async (call) => {
          const catalog = await catalogFor(deps, call);
          const tables = wanted.map((name) => ({ name, markdown: tableMarkdown(name, catalog) }));
          return {
            content: [{ type: 'text', text: schemasMarkdown(wanted, catalog) }],
            structuredContent: { tables },
          };
        },
        { fail: schemasError },
      );
    },
  );
}

/** An error in this tool's output shape: no tables, and the reason (also as text). */
function schemasError(message: string): CallToolResult {
  return {
    content: [{ type: 'text', text: message }],
    structuredContent: { tables: [], err: message },
    isError: true,
  };
}

function invalidTables(unknown: string[]): CallToolResult {
  const shown = unknown.map((name) => JSON.stringify(name.slice(0, 80))).join(', ');
  return schemasError(
    `unknown table name${unknown.length > 1 ? 's' : ''}: ${shown}. Valid table names: ${SCHEMA_TABLES.join(', ')}.`,
  );
}

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { parseForGuard } from '../../db/guard/index.js';
import { normalizeSql } from '../../db/sql-parser.js';
import { queryCacheKey } from '../cache/query-key.js';
import { queryCapped } from '../capped-query.js';
import { runDataCall } from '../data-call.js';
import { compactResultShape, errorResult, rowsResult, toolResult } from '../results.js';
import { guardSql } from '../sql-guard.js';
import { READ_ONLY_ANNOTATIONS, type ToolDeps, type ToolExtra } from './types.js';

export const EXECUTE_SALES_QUERY = 'execute_sales_query';

const DESCRIPTION = `Run ONE read-only PostgreSQL SELECT on the Zava retail database, as your store (row-level security: a store sees its own orders, order lines, inventory and customers; head office sees all).
Call get_multiple_table_schemas first for the tables you need. Rules:
- One statement: SELECT, WITH … SELECT, VALUES or TABLE. No writes, no SET, no transaction control, no side-effect functions.
- Qualify tables: retail.orders, retail.order_items, retail.products, retail.categories, retail.product_types, retail.stores, retail.customers, retail.inventory.
- Revenue: retail.orders has NO total column; SUM(retail.order_items.total_amount) (line total after discount) joined on order_id. Money columns are numeric(10,2) and come back as strings.
- order_date is a DATE: use DATE '2025-01-01' literals, EXTRACT(YEAR FROM order_date), date_trunc('month', order_date).
- Joins: order_items.order_id → orders; order_items.product_id → products; products.category_id → categories; products.type_id → product_types; orders.store_id → stores; orders.customer_id → customers. Online sales: stores.is_online = true.
- Aggregate in SQL and add LIMIT; results are capped (rows and bytes) and marked truncated when cut.
Returns compact JSON {"c":[columns],"r":[[row values]],"n":row count}.`;

export function registerExecuteSalesQuery(server: McpServer, deps: ToolDeps): void {
  const caps = { maxRows: deps.config.maxRows, maxBytes: deps.config.maxBytes };
  server.registerTool(
    EXECUTE_SALES_QUERY,
    {
      title: 'Run a read-only sales query',
      description: DESCRIPTION,
      inputSchema: {
        postgresql_query: z
          .string()
          .describe('one PostgreSQL SELECT statement, tables qualified with retail.'),
      },
      outputSchema: compactResultShape,
      annotations: READ_ONLY_ANNOTATIONS,
    },
    async (args, extra) => {
      const sql = args.postgresql_query;
      if (sql.trim() === '') return errorResult('postgresql_query is empty: send one SELECT statement.');
      const cacheOn = deps.config.cacheTtlSeconds > 0 && !bypassesCache(extra);
      const cache = cacheOn ? deps.production?.cache : undefined;
      return runDataCall(deps, extra, EXECUTE_SALES_QUERY, async ({ session, identity }) => {
        // The one parse of this call: the cache key and the guard both read this tree.
        const parsed = await parseForGuard(sql);
        const key = cache ? queryCacheKey(parsed, `${caps.maxRows}:${caps.maxBytes}`) : undefined;
        if (cache && key) {
          const hit = await cache.get<CallToolResult>(identity.rlsUserId, key);
          deps.production?.metrics.cacheHits.inc({ result: hit ? 'hit' : 'miss' });
          if (hit) return { ...hit, _meta: { ...hit._meta, cached: true } };
        }
        const started = performance.now();
        const result = await session(async (client) => {
          await guardSql(client, parsed, deps.guardCache);
          const rows = await queryCapped(client, sql, caps);
          if (!rows.truncated) return rowsResult(rows.columns, rows.rows);
          return toolResult({
            c: rows.columns,
            r: rows.rows,
            n: rows.rows.length,
            truncated: true,
            msg: truncationMessage(rows.truncated, rows.rows.length, caps),
          });
        });
        await logIfSlow(deps, sql, identity.label, performance.now() - started);
        if (cache && key && !result.isError) await cache.set(identity.rlsUserId, key, result);
        return result;
      });
    },
  );
}

/** `Cache-Control: no-cache` on the HTTP request skips the result cache for that call. */
function bypassesCache(extra: ToolExtra): boolean {
  const header = extra.requestInfo?.headers?.['cache-control'];
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return /no-cache|no-store/i.test(value);
}

/** The slow-query log carries the normalized SQL (constants replaced), never values or results. */
async function logIfSlow(deps: ToolDeps, sql: string, identity: string, ms: number): Promise<void> {
  if (deps.config.slowQueryMs === undefined || ms < deps.config.slowQueryMs) return;
  const normalized = await normalizeSql(sql).catch(() => '(unparsable)');
  deps.log.warn('slow query', { tool: EXECUTE_SALES_QUERY, identity, ms: Math.round(ms), sql: normalized });
}

function truncationMessage(
  reason: 'rows' | 'bytes',
  kept: number,
  caps: { maxRows: number; maxBytes: number },
): string {
  if (reason === 'rows') {
    return `Truncated: only the first ${kept} rows are returned (the cap is ${caps.maxRows} rows per query). Narrow the query: aggregate with GROUP BY, filter with WHERE (e.g. a date range on order_date), or add ORDER BY … LIMIT n.`;
  }
  return `Truncated: only the first ${kept} rows are returned (the cap is ${caps.maxBytes} bytes of result per query). Select fewer or shorter columns (e.g. left(product_description, 80)), aggregate, or add LIMIT.`;
}

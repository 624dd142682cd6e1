import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { dataCall, describeToolError } from './data-call.js';
import { missingIdentityMessage } from './identity.js';
import { canonicalTable, SCHEMA_TABLES } from './schema/catalog.js';
import { TABLE_NOTES } from './schema/hints.js';
import { tableMarkdown } from './schema/markdown.js';
import { catalogFor } from './tools/get-multiple-table-schemas.js';
import type { ToolDeps } from './tools/types.js';

export const SCHEMA_URI_PREFIX = 'schema://retail/';

/**
 * A JSON-RPC error for the client, message as written. (The SDK's McpError puts "MCP error
 * <code>:" into its message, and the client adds the same prefix again.)
 */
function protocolError(code: ErrorCode, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The table schemas as resources, `schema://retail/<table>`. Listing needs no identity (it is
 * discovery); reading shows valid values as the caller may see them, so it needs one.
 */
export function registerSchemaResources(server: McpServer, deps: ToolDeps): void {
  const template = new ResourceTemplate(`${SCHEMA_URI_PREFIX}{table}`, {
    list: () => ({
      resources: SCHEMA_TABLES.map((table) => ({
        uri: `${SCHEMA_URI_PREFIX}${table.slice('retail.'.length)}`,
        name: table,
        description: TABLE_NOTES[table].purpose,
        mimeType: 'text/markdown',
      })),
    }),
  });
  server.registerResource(
    'table-schema',
    template,
    {
      title: 'Zava table schema',
      description:
        'Markdown description of one retail table: columns, relationships, valid values, query hints.',
      mimeType: 'text/markdown',
    },
    async (uri, variables, extra) => {
      const raw = Array.isArray(variables.table) ? variables.table[0] : variables.table;
      const table = canonicalTable(decodeURIComponent(raw ?? ''));
      if (!table) {
        throw protocolError(
          ErrorCode.InvalidParams,
          `unknown table in ${uri.href}; valid: ${SCHEMA_TABLES.map((t) => SCHEMA_URI_PREFIX + t.slice(7)).join(', ')}`,
        );
      }
      const identity = deps.identity(extra);
      if (!identity) throw protocolError(ErrorCode.InvalidRequest, missingIdentityMessage(deps.transport));
      try {
        const catalog = await deps.inflight.run(() => catalogFor(deps, dataCall(deps, identity)));
        return {
          contents: [{ uri: uri.href, mimeType: 'text/markdown', text: tableMarkdown(table, catalog) }],
        };
      } catch (error) {
        throw protocolError(ErrorCode.InternalError, describeToolError(error, deps));
      }
    },
  );
}

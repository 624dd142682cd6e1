import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import {
  DEFAULT_MAX_ROWS,
  DEFAULT_SIMILARITY_THRESHOLD,
  MAX_MAX_ROWS,
  MAX_SIMILARITY_THRESHOLD,
  MIN_SIMILARITY_THRESHOLD,
  searchCandidates,
  searchLimits,
  searchProducts,
} from '../../embeddings/search.js';
import { stampOf } from '../../embeddings/types.js';
import { McpopsError } from '../../errors.js';
import { runDataCall } from '../data-call.js';
import { compactResultShape, errorResult, rowsResult } from '../results.js';
import { READ_ONLY_ANNOTATIONS, type ToolDeps } from './types.js';

export const SEMANTIC_SEARCH_PRODUCTS = 'semantic_search_products';

const DESCRIPTION = `Find Zava products that answer a free-text need (e.g. "cordless drill for masonry", "something to fix a leaking pipe"), best match first: products close in embedding and those matching the words of the need, ranked together.
Returns product columns (product_id, sku, product_name, category_id, type_id, cost, base_price, gross_margin_percent, product_description) plus similarity_distance (cosine distance, lower is closer) and sp (similarity percent, one decimal).
Use the product_id values with execute_sales_query for sales or stock of those products.`;

/** What the model is talking to: each provider understands text differently. */
const PROVIDER_NOTES: Record<string, string> = {
  local: `
This server embeds text offline by its words and word parts, not its meaning: describe the product with the words a catalogue would use ("pipe wrench", "exterior paint") rather than a situation ("my sink leaks").`,
  'use-lite': `
This server embeds text offline with a small sentence model that understands everyday meaning ("replace the kitchen tap" finds faucets) together with the words used; a need phrased plainly works, and naming the kind of product as well ("a light for a power cut") works best.`,
  'azure-openai': `
This server embeds text with an Azure OpenAI embedding model: describe the need in plain words.`,
};

export function registerSemanticSearchProducts(server: McpServer, deps: ToolDeps): void {
  const provider = deps.embeddings;
  server.registerTool(
    SEMANTIC_SEARCH_PRODUCTS,
    {
      title: 'Semantic product search',
      description: DESCRIPTION + (provider ? (PROVIDER_NOTES[provider.name] ?? '') : ''),
      inputSchema: {
        query_description: z.string().min(1).describe('what the customer is looking for, in plain words'),
        max_rows: z
          .number()
          .int()
          .default(DEFAULT_MAX_ROWS)
          .describe(`most rows to return; capped to 1–${MAX_MAX_ROWS}`),
        similarity_threshold: z
          .number()
          .default(DEFAULT_SIMILARITY_THRESHOLD)
          .describe(
            `minimum similarity in percent (${MIN_SIMILARITY_THRESHOLD}–${MAX_SIMILARITY_THRESHOLD}); higher is stricter`,
          ),
      },
      outputSchema: compactResultShape,
      annotations: READ_ONLY_ANNOTATIONS,
    },
    async (args, extra) => {
      if (!provider)
        return errorResult(
          'semantic search is not configured on this server (no embedding provider); no search was run. Use execute_sales_query with ILIKE on retail.products.product_description instead.',
        );
      if (args.query_description.trim() === '')
        return errorResult('query_description is empty: describe the product you are looking for.');
      let limits: ReturnType<typeof searchLimits>;
      try {
        limits = searchLimits({ maxRows: args.max_rows, similarityThreshold: args.similarity_threshold });
      } catch (error) {
        const known = error as McpopsError;
        return errorResult(
          error instanceof McpopsError ? `${known.message}. ${known.suggestion}` : String(error),
        );
      }
      return runDataCall(
        deps,
        extra,
        SEMANTIC_SEARCH_PRODUCTS,
        async ({ session }) => {
          // Embed before the session opens: a slow embeddings call must not hold a transaction.
          const [vector] = await provider.embed([args.query_description], extra.signal);
          const result = await session((client) =>
            searchProducts(client, vector, stampOf(provider), {
              maxRows: limits.maxRows,
              similarityThreshold: args.similarity_threshold,
              queryText: args.query_description,
              blend: {
                vectorWeight: deps.config.searchVectorWeight,
                textWeight: deps.config.searchTextWeight,
                rrfK: deps.config.searchRrfK,
              },
            }),
          );
          if (result.rows.length > 0) return rowsResult(result.columns, result.rows);
          return rowsResult(
            result.columns,
            result.rows,
            `No product is at least ${args.similarity_threshold}% similar to that description. Try other words, or a lower similarity_threshold (minimum ${MIN_SIMILARITY_THRESHOLD}).`,
          );
        },
        // HNSW returns at most ef_search candidates: never fewer than the search ranks.
        { hnswEfSearch: Math.max(deps.config.hnswEfSearch, searchCandidates(limits.maxRows)) },
      );
    },
  );
}

import { registerExecuteSalesQuery } from './execute-sales-query.js';
import { registerGetCurrentUtcDate } from './get-current-utc-date.js';
import { registerGetMultipleTableSchemas } from './get-multiple-table-schemas.js';
import { registerSemanticSearchProducts } from './semantic-search-products.js';
import type { RegisterTool } from './types.js';

/** The four Zava tools, in the order clients list them. */
export const ZAVA_TOOLS: readonly RegisterTool[] = [
  registerGetMultipleTableSchemas,
  registerExecuteSalesQuery,
  registerSemanticSearchProducts,
  registerGetCurrentUtcDate,
];

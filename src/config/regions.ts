import { ConfigError } from '../errors.js';

/** region (lower case) → store names, from the MCPOPS_AUTH_REGIONS setting. A Map, so no key reaches a prototype. */
export type RegionMap = ReadonlyMap<string, readonly string[]>;

/** Parses MCPOPS_AUTH_REGIONS: a JSON object of region → list of store names (or ids). */
export function parseRegionMap(json: string | undefined): RegionMap {
  const out = new Map<string, string[]>();
  if (!json) return out;
  const invalid = (why: string) =>
    new ConfigError(`MCPOPS_AUTH_REGIONS ${why}`, {
      code: 'auth_regions_invalid',
      suggestion: 'Set it to a JSON object of region → store names, e.g. {"west":["Zava Retail Seattle"]}.',
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw invalid('is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('must be a JSON object');
  for (const [region, stores] of Object.entries(parsed)) {
    if (!Array.isArray(stores) || !stores.every((s) => typeof s === 'string')) {
      throw invalid(`.${region} must be a list of store names`);
    }
    out.set(region.toLowerCase(), stores);
  }
  return out;
}

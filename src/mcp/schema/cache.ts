import type { Catalog } from './catalog.js';

/**
 * Catalogs per identity. The valid values in a catalog are what that identity may see (its
 * order years, for one), so an entry is only ever served to the identity that loaded it.
 */
export interface SchemaCache {
  get(identityKey: string, load: () => Promise<Catalog>): Promise<Catalog>;
  clear(): void;
}

export function createSchemaCache(options: { ttlMs: number; now?: () => number }): SchemaCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { expires: number; catalog: Promise<Catalog> }>();
  return {
    get(identityKey, load) {
      const hit = entries.get(identityKey);
      if (hit && hit.expires > now()) return hit.catalog;
      const catalog = load();
      if (options.ttlMs > 0) {
        entries.set(identityKey, { expires: now() + options.ttlMs, catalog });
        // A failed load must not be served from the cache.
        catalog.catch(() => {
          if (entries.get(identityKey)?.catalog === catalog) entries.delete(identityKey);
        });
      }
      return catalog;
    },
    clear: () => entries.clear(),
  };
}

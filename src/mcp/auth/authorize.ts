import type { RegionMap } from '../../config/regions.js';
import { HEAD_OFFICE_ID, isUuid } from '../../db/stores.js';
import type { KnownStore as DirectoryStore } from '../identity.js';
import { AuthError } from './errors.js';
import type { Principal } from './jwt.js';

export { parseRegionMap, type RegionMap } from '../../config/regions.js';

/** What authorization needs of a store: its name (tokens may name stores) and its RLS id. */
export type KnownStore = Pick<DirectoryStore, 'name' | 'rlsUserId'>;

function matchStores(refs: string[], stores: readonly KnownStore[]): Set<string> {
  const wanted = new Set(refs.map((r) => r.toLowerCase()));
  return new Set(
    stores
      .filter((s) => wanted.has(s.rlsUserId.toLowerCase()) || wanted.has(s.name.toLowerCase()))
      .map((s) => s.rlsUserId),
  );
}

/** The RLS ids a principal may act as; 'all' includes head office. */
export function allowedIdentities(
  principal: Principal,
  stores: readonly KnownStore[],
  regions: RegionMap,
): Set<string> | 'all' {
  switch (principal.role) {
    case 'super_admin':
      return 'all';
    case 'regional_manager':
      return matchStores(
        principal.allowedRegions.flatMap((region) => regions.get(region.toLowerCase()) ?? []),
        stores,
      );
    case 'store_manager':
      return matchStores(principal.allowedStores, stores);
  }
}

/**
 * Picks the identity for a request: `x-rls-user-id` selects among what the token allows.
 * Without the header, a token that allows exactly one store acts as it; anything else must choose.
 */
export function authorizeIdentity(
  principal: Principal,
  requested: string | undefined,
  stores: readonly KnownStore[],
  regions: RegionMap,
): string {
  const allowed = allowedIdentities(principal, stores, regions);
  if (requested !== undefined) {
    const id = requested.trim().toLowerCase();
    if (!isUuid(id)) throw new AuthError(400, 'x-rls-user-id must be a store UUID or the head-office id');
    const known = id === HEAD_OFFICE_ID || stores.some((s) => s.rlsUserId === id);
    if (!known) throw new AuthError(403, 'x-rls-user-id names no known store');
    if (allowed === 'all' || allowed.has(id)) return id;
    const what = id === HEAD_OFFICE_ID ? 'head office' : (stores.find((s) => s.rlsUserId === id)?.name ?? id);
    throw new AuthError(
      403,
      `a ${principal.role} token may not act as ${what}`,
      'Ask for a store the token allows, or a token for that store.',
    );
  }
  if (allowed !== 'all' && allowed.size === 1) return [...allowed][0];
  if (allowed !== 'all' && allowed.size === 0)
    throw new AuthError(403, `the ${principal.role} token allows no store`);
  throw new AuthError(
    400,
    'choose a store with the x-rls-user-id header',
    'Send x-rls-user-id with one of the stores the token allows.',
  );
}

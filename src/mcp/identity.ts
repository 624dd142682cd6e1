import type pg from 'pg';
import { HEAD_OFFICE_ID, isUuid } from '../db/stores.js';
import { McpopsError, UsageError } from '../errors.js';

/** Who a data call runs as: one store's RLS user id, or head office (sees every store). */
export interface Identity {
  rlsUserId: string;
  /** The store name, or "head office". */
  label: string;
  headOffice: boolean;
}

export interface KnownStore {
  name: string;
  rlsUserId: string;
  isOnline: boolean;
}

/**
 * The stores identities may name, read from retail.stores (so a store added to the database
 * is accepted without a release). Re-read at most every `refreshMs` when an unknown id shows up.
 */
export interface StoreDirectory {
  stores(): readonly KnownStore[];
  find(rlsUserId: string): Promise<KnownStore | undefined>;
}

/** The identity could not be established: refused, never downgraded to head office. */
export class IdentityError extends McpopsError {
  constructor(message: string, suggestion: string) {
    super(message, { code: 'identity_refused', suggestion });
  }
}

export const HEAD_OFFICE_LABEL = 'head office';
export const HEAD_OFFICE_IDENTITY: Identity = Object.freeze({
  rlsUserId: HEAD_OFFICE_ID,
  label: HEAD_OFFICE_LABEL,
  headOffice: true,
});

export function storeIdentity(store: Pick<KnownStore, 'name' | 'rlsUserId'>): Identity {
  return { rlsUserId: store.rlsUserId, label: store.name, headOffice: false };
}

export const RLS_HEADER = 'x-rls-user-id';

export async function loadStoreDirectory(
  read: () => Promise<KnownStore[]>,
  options: { refreshMs?: number; now?: () => number } = {},
): Promise<StoreDirectory> {
  const refreshMs = options.refreshMs ?? 30_000;
  const now = options.now ?? Date.now;
  let stores = await read();
  let readAt = now();
  return {
    stores: () => stores,
    async find(rlsUserId) {
      const id = rlsUserId.toLowerCase();
      let found = stores.find((store) => store.rlsUserId === id);
      if (!found && now() - readAt > refreshMs) {
        readAt = now();
        stores = await read().catch(() => stores);
        found = stores.find((store) => store.rlsUserId === id);
      }
      return found;
    },
  };
}

/** Reads the store list with a client already inside a store session (stores are visible to all). */
export async function readStores(client: pg.ClientBase): Promise<KnownStore[]> {
  const result = await client.query<{ store_name: string; rls_user_id: string; is_online: boolean }>(
    'SELECT store_name, rls_user_id::text AS rls_user_id, is_online FROM retail.stores ORDER BY store_id',
  );
  return result.rows.map((row) => ({
    name: row.store_name,
    rlsUserId: row.rls_user_id.toLowerCase(),
    isOnline: row.is_online,
  }));
}

/** Where an identity claim comes from. The auth issue adds a verified-token variant here. */
export type IdentityClaim =
  | { kind: 'stdio'; rlsUserId?: string; store?: string }
  | { kind: 'http'; headers: Record<string, string | string[] | undefined> };

function validChoices(directory: StoreDirectory): string {
  return [
    ...directory.stores().map((s) => `"${s.name}" (${s.rlsUserId})`),
    `"head office" (${HEAD_OFFICE_ID})`,
  ].join(', ');
}

async function byId(rlsUserId: string, directory: StoreDirectory, source: string): Promise<Identity> {
  const value = rlsUserId.trim().toLowerCase();
  if (!isUuid(value)) {
    throw new IdentityError(
      `${source} must be a store's rls_user_id (a UUID); got a value that is not a UUID`,
      `Use one of: ${validChoices(directory)}.`,
    );
  }
  if (value === HEAD_OFFICE_ID) return HEAD_OFFICE_IDENTITY;
  const store = await directory.find(value);
  if (!store) {
    throw new IdentityError(
      `${source} ${value} is not the rls_user_id of any store in retail.stores`,
      `Use one of: ${validChoices(directory)}.`,
    );
  }
  return storeIdentity(store);
}

function byName(name: string, directory: StoreDirectory): Identity {
  const wanted = name.trim().toLowerCase();
  if (wanted === HEAD_OFFICE_LABEL || wanted === 'head-office' || wanted === 'headoffice')
    return HEAD_OFFICE_IDENTITY;
  const stores = directory.stores();
  const store = stores.find((s) => s.name === name) ?? stores.find((s) => s.name.toLowerCase() === wanted);
  if (!store) {
    throw new UsageError(`--store "${name}" is not a store in retail.stores`, {
      code: 'identity_refused',
      suggestion: `Use one of: ${[...stores.map((s) => `"${s.name}"`), '"head office"'].join(', ')}.`,
    });
  }
  return storeIdentity(store);
}

/**
 * The one place an identity is decided. Returns null when no identity was given (discovery
 * works, data calls are refused); throws when one was given and is not acceptable. Identity
 * never comes from tool arguments; a missing identity never means head office.
 */
export async function resolveIdentity(
  claim: IdentityClaim,
  directory: StoreDirectory,
): Promise<Identity | null> {
  if (claim.kind === 'stdio') {
    if (claim.rlsUserId === undefined && claim.store === undefined) return null;
    const fromId = claim.rlsUserId === undefined ? undefined : await stdioById(claim.rlsUserId, directory);
    const fromName = claim.store === undefined ? undefined : byName(claim.store, directory);
    if (fromId && fromName && fromId.rlsUserId !== fromName.rlsUserId) {
      throw new UsageError(
        `--store "${claim.store}" and --rls-user-id ${fromId.rlsUserId} name different stores`,
        { code: 'identity_refused', suggestion: 'Pass only one of --store and --rls-user-id.' },
      );
    }
    return (fromId ?? fromName) as Identity;
  }
  const raw = claim.headers[RLS_HEADER];
  if (raw === undefined) return null;
  if (Array.isArray(raw)) {
    throw new IdentityError(
      `the ${RLS_HEADER} header was sent more than once`,
      'Send exactly one x-rls-user-id header per request.',
    );
  }
  if (raw.trim() === '') {
    throw new IdentityError(
      `the ${RLS_HEADER} header is empty`,
      `Send a store's rls_user_id, or leave the header out to use discovery only. Valid: ${validChoices(directory)}.`,
    );
  }
  return byId(raw, directory, `the ${RLS_HEADER} header`);
}

async function stdioById(rlsUserId: string, directory: StoreDirectory): Promise<Identity> {
  try {
    return await byId(rlsUserId, directory, '--rls-user-id');
  } catch (error) {
    if (error instanceof IdentityError)
      throw new UsageError(error.message, { code: 'identity_refused', suggestion: error.suggestion });
    throw error;
  }
}

/** The message a data call gets when it has no identity. */
export function missingIdentityMessage(transport: 'stdio' | 'http'): string {
  return transport === 'http'
    ? `no store identity: send the ${RLS_HEADER} header with a store's rls_user_id (or the head-office id ${HEAD_OFFICE_ID}); without it no data is returned`
    : `no store identity: start the server with --store "<store name>" or --rls-user-id <uuid> (or --store "head office"); without it no data is returned`;
}

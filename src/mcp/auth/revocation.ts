import { readFile, stat } from 'node:fs/promises';
import type { Redis } from 'ioredis';

/** Answers whether a token id (jti) was revoked; sources reload without a restart. */
export interface RevocationList {
  isRevoked(jti: string): Promise<boolean>;
}

/**
 * A file of revoked ids, one per line (# comments allowed). Re-read when its mtime changes,
 * checked at most every `recheckMs`, so an operator's edit takes effect within seconds.
 */
export function fileRevocationList(path: string, recheckMs = 2000): RevocationList {
  let ids = new Set<string>();
  let mtimeMs = -1;
  let checkedAt = 0;
  const refresh = async (): Promise<void> => {
    const now = Date.now();
    if (now - checkedAt < recheckMs && mtimeMs !== -1) return;
    checkedAt = now;
    try {
      const info = await stat(path);
      if (info.mtimeMs === mtimeMs) return;
      const text = await readFile(path, 'utf8');
      ids = new Set(
        text
          .split(/\r?\n/)
          .map((line) => line.replace(/#.*/, '').trim())
          .filter(Boolean),
      );
      mtimeMs = info.mtimeMs;
    } catch {
      // A missing file revokes nothing, but an unreadable list must not open every token either:
      // keep the last good set.
      if (mtimeMs === -1) ids = new Set();
    }
  };
  return {
    async isRevoked(jti) {
      await refresh();
      return ids.has(jti);
    },
  };
}

/** A Redis set of revoked ids, shared by every replica. */
export function redisRevocationList(redis: Redis, key: string): RevocationList {
  return {
    async isRevoked(jti) {
      return (await redis.sismember(key, jti)) === 1;
    },
  };
}

export function combineRevocationLists(lists: RevocationList[]): RevocationList {
  return {
    async isRevoked(jti) {
      for (const list of lists) if (await list.isRevoked(jti)) return true;
      return false;
    },
  };
}

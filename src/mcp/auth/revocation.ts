import { readFile, stat } from 'node:fs/promises';
import type { Redis } from 'ioredis';

/** Answers whether a token id (jti) was revoked; sources reload without a restart. */
export interface RevocationList {
  isRevoked(jti: string): Promise<boolean>;
}

/**
 * One id per line, matched exactly. A line starting with `#` is a comment, and ` # note` after
 * an id (whitespace before the `#`) is one too, so an id may itself contain `#`. An id that
 * starts with `#` or `"`, or has spaces at its ends, is written as a JSON string: `"#abc"`.
 */
export function parseRevocationFile(text: string): Set<string> {
  const ids = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const quoted = /^"(?:[^"\\]|\\.)*"/.exec(line);
    if (quoted) {
      try {
        ids.add(JSON.parse(quoted[0]) as string);
        continue;
      } catch {
        // not a JSON string after all: take the line as written
      }
    }
    ids.add(line.replace(/\s+#.*$/, ''));
  }
  return ids;
}

/**
 * A file of revoked ids (format: parseRevocationFile). Re-read when its mtime changes,
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
      ids = parseRevocationFile(text);
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

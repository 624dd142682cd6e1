const MASK = '***';
/**
 * Keys whose values are never printed, wherever they appear (logs, errors, objects): any key
 * ending in one of these, which covers the reference's list (password, token, secret, key,
 * authorization, x-api-key, client_secret, connection_string) and names like AccountKey or sig.
 */
const maskedKeyPattern = /(password|token|secret|key|authorization|connection_?string|sig)$/i;

function isMaskedKey(key: string): boolean {
  return maskedKeyPattern.test(key);
}

/**
 * Hides secrets in free text: known secret values, URL passwords, `key=value` pairs with a
 * secret-looking key (Azure connection strings, SAS `sig=`), and bearer tokens.
 */
export function maskText(text: string, knownSecrets: Iterable<string> = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(MASK);
  }
  out = out.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)@/gi, `$1${MASK}@`);
  out = out.replace(
    /\b(AccountKey|SharedAccessSignature|SharedAccessKey|password|pwd|sig|token|secret|client_secret|api[-_]?key)=([^;&\s"']+)/gi,
    `$1=${MASK}`,
  );
  out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${MASK}`);
  return out;
}

/** A deep copy of `value` with masked keys replaced and every string passed through maskText. */
export function maskValue<T>(value: T, knownSecrets: readonly string[] = []): T {
  const seen = new WeakSet<object>();
  const walk = (item: unknown, key?: string): unknown => {
    if (key !== undefined && isMaskedKey(key) && item !== undefined && item !== null && item !== '')
      return MASK;
    if (typeof item === 'string') return maskText(item, knownSecrets);
    if (item === null || typeof item !== 'object') return item;
    if (seen.has(item)) return '[circular]';
    seen.add(item);
    if (Array.isArray(item)) return item.map((entry) => walk(entry));
    if (item instanceof Error) return { name: item.name, message: maskText(item.message, knownSecrets) };
    if (typeof (item as { toJSON?: unknown }).toJSON === 'function')
      return walk((item as { toJSON(): unknown }).toJSON());
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item)) out[k] = walk(v, k);
    return out;
  };
  return walk(value) as T;
}

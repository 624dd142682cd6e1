import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HygieneOptions {
  /** Host header values accepted (hostname, or hostname:port); loopback names by default. */
  allowedHosts: string[];
  /** Origins accepted (and allowed by CORS); none by default. */
  allowedOrigins: string[];
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]', '::1'];

export function hygieneOptions(
  allowedHosts: string | undefined,
  allowedOrigins: string | undefined,
): HygieneOptions {
  const split = (v: string | undefined) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean)
      : [];
  const hosts = split(allowedHosts);
  return { allowedHosts: hosts.length > 0 ? hosts : LOOPBACK_HOSTS, allowedOrigins: split(allowedOrigins) };
}

function hostname(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.split(':')[0];
}

/**
 * DNS-rebinding defence: a page on another origin that resolves its name to 127.0.0.1 still
 * sends its own Host and Origin, which are refused here. Returns a refusal reason or undefined.
 */
export function checkHostAndOrigin(req: IncomingMessage, options: HygieneOptions): string | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!host) return 'missing Host header';
  if (!options.allowedHosts.includes(host) && !options.allowedHosts.includes(hostname(host)))
    return `Host ${host} is not allowed`;
  const origin = req.headers.origin?.toLowerCase();
  if (origin && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return 'malformed Origin header';
    }
    const sameHost = originHost === host;
    if (!sameHost && !options.allowedOrigins.includes(origin)) return `Origin ${origin} is not allowed`;
  } else if (origin === 'null') {
    return 'Origin null is not allowed';
  }
  return undefined;
}

export function applySecurityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
}

/** CORS only for configured origins; otherwise no Access-Control headers at all. */
export function applyCors(req: IncomingMessage, res: ServerResponse, options: HygieneOptions): void {
  const origin = req.headers.origin?.toLowerCase();
  if (!origin || !options.allowedOrigins.includes(origin)) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
  res.setHeader(
    'Access-Control-Allow-Headers',
    'authorization, content-type, mcp-session-id, mcp-protocol-version, x-rls-user-id, last-event-id',
  );
  res.setHeader('Access-Control-Expose-Headers', 'mcp-session-id, www-authenticate');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
}

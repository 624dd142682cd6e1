import {
  createRemoteJWKSet,
  errors,
  importSPKI,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { AuthError } from './errors.js';
import type { RevocationList } from './revocation.js';

export type PrincipalRole = 'super_admin' | 'regional_manager' | 'store_manager';

export interface Principal {
  subject: string;
  role: PrincipalRole;
  tokenId?: string;
  /** Store names or rls_user_ids the token names (store_manager). */
  allowedStores: string[];
  /** Regions the token names (regional_manager). */
  allowedRegions: string[];
}

export interface JwtVerifierOptions {
  jwksUrl?: string;
  /** PEM (SPKI) public key, RS256 or ES256. */
  publicKeyPem?: string;
  audience: string;
  issuer: string;
  clockToleranceSeconds: number;
  revocation?: RevocationList;
}

const ALGORITHMS = ['RS256', 'ES256'];
const ROLES = new Set<PrincipalRole>(['super_admin', 'regional_manager', 'store_manager']);

type PublicKey = Awaited<ReturnType<typeof importSPKI>>;

async function keySource(options: JwtVerifierOptions): Promise<JWTVerifyGetKey | PublicKey> {
  if (options.jwksUrl)
    return createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5000 });
  if (!options.publicKeyPem) throw new Error('a JWKS URL or a PEM public key is required');
  const pem = options.publicKeyPem;
  for (const alg of ALGORITHMS) {
    try {
      return await importSPKI(pem, alg);
    } catch {
      // try the next algorithm: an EC key does not import as RS256 and vice versa
    }
  }
  throw new Error('the configured public key is not an RS256 or ES256 SPKI PEM');
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string')
    return value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  return [];
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key in the JWKS matches the token';
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'the token algorithm is not allowed (RS256 or ES256 only)';
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid)
    return 'the token is malformed';
  if (error instanceof errors.JWKSTimeout) return 'the JWKS endpoint did not answer in time';
  return 'the token could not be verified';
}

/** Builds a verifier for bearer tokens: signature, aud, iss, exp (required), revocation, role claims. */
export async function createJwtVerifier(
  options: JwtVerifierOptions,
): Promise<(token: string) => Promise<Principal>> {
  const key = await keySource(options);
  return async (token) => {
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, key as JWTVerifyGetKey, {
        audience: options.audience,
        issuer: options.issuer,
        algorithms: ALGORITHMS,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['exp'],
      });
      payload = verified.payload;
    } catch (error) {
      throw new AuthError(401, describeJoseError(error), 'Get a fresh token from the authorization server.');
    }
    // RFC 7519: jti is a string. Any other type could never match a revocation entry.
    if (payload.jti !== undefined && typeof payload.jti !== 'string') {
      throw new AuthError(
        401,
        "the token's jti claim is not a string",
        'Get a token from the authorization server.',
      );
    }
    if (payload.jti && options.revocation && (await options.revocation.isRevoked(payload.jti))) {
      throw new AuthError(401, 'the token has been revoked', 'Get a new token.');
    }
    const role = payload.role as PrincipalRole;
    if (!ROLES.has(role)) {
      throw new AuthError(
        403,
        'the token carries no known role (super_admin, regional_manager or store_manager)',
      );
    }
    return {
      subject: String(payload.sub ?? 'unknown'),
      role,
      tokenId: payload.jti,
      allowedStores: stringList(payload.allowed_stores),
      allowedRegions: stringList(payload.allowed_regions),
    };
  };
}

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

const ITERATIONS = 4096;

function keys(password: string, salt: Buffer, iterations: number): { stored: Buffer; server: Buffer } {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const client = createHmac('sha256', salted).update('Client Key').digest();
  return {
    stored: createHash('sha256').update(client).digest(),
    server: createHmac('sha256', salted).update('Server Key').digest(),
  };
}

/**
 * A SCRAM-SHA-256 verifier for ALTER ROLE … PASSWORD, computed here so the clear-text password
 * never travels in a statement (where server logs could keep it).
 */
export function scramVerifier(password: string): string {
  const salt = randomBytes(16);
  const { stored, server } = keys(password, salt, ITERATIONS);
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${stored.toString('base64')}:${server.toString('base64')}`;
}

/** Whether a stored rolpassword (SCRAM or md5) matches the password; false for anything else. */
export function passwordMatches(stored: string | null, password: string, role: string): boolean {
  if (!stored) return false;
  const scram = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(stored);
  if (scram) {
    const { stored: s, server } = keys(password, Buffer.from(scram[2], 'base64'), Number(scram[1]));
    const wantStored = Buffer.from(scram[3], 'base64');
    const wantServer = Buffer.from(scram[4], 'base64');
    return (
      s.length === wantStored.length &&
      server.length === wantServer.length &&
      timingSafeEqual(s, wantStored) &&
      timingSafeEqual(server, wantServer)
    );
  }
  if (stored.startsWith('md5')) {
    return (
      stored ===
      `md5${createHash('md5')
        .update(password + role)
        .digest('hex')}`
    );
  }
  return false;
}

import type { Secret } from '../../config/secret.js';
import { withDatabase } from './restore-target.js';
import { connect } from './snapshot.js';

/** Drops a scratch database this process created (verify --deep). */
export async function dropDatabase(serverUrl: Secret, name: string, where: string): Promise<void> {
  const admin = await connect(withDatabase(serverUrl, 'postgres'), where);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end().catch(() => {});
  }
}

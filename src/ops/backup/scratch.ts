import { Secret } from '../../config/secret.js';
import { connect } from './snapshot.js';

/** Drops a scratch database this process created (verify --deep). */
export async function dropDatabase(serverUrl: Secret, name: string, where: string): Promise<void> {
  const url = new URL(serverUrl.reveal());
  url.pathname = '/postgres';
  const admin = await connect(new Secret(url.toString()), where);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end().catch(() => {});
  }
}

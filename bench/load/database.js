// The bench database: reused when it holds the Zava sample, else built by `mcpops db init`; and
// the store-scoped transaction exactly as the server runs it.
import { tmpdir } from 'node:os';
import pg from 'pg';
import { storeSessionSetup } from '../../dist/src/db/session.js';
import { spawnTracked } from './processes.js';
import { QUESTIONS } from './questions.js';
import { ADMIN_URL, CLI, IDENTITIES, SCALE, withUser } from './settings.js';

/** Reuses the bench database when it holds the Zava schema; else builds it with `mcpops db init`. */
export async function ensureDatabase(adminUrl = ADMIN_URL) {
  const database = new URL(adminUrl).pathname.slice(1);
  const probe = new pg.Client({ connectionString: withUser(adminUrl, undefined, 'postgres') });
  await probe.connect();
  const exists = (await probe.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount > 0;
  await probe.end();
  const counts = async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const ready = (await client.query("SELECT to_regclass('retail.order_items') IS NOT NULL AS ok")).rows[0]
        .ok;
      if (!ready) return undefined;
      const { rows } = await client.query(
        `SELECT (SELECT count(*) FROM retail.orders)::int AS orders,
                (SELECT count(*) FROM retail.order_items)::int AS order_items,
                (SELECT count(*) FROM retail.customers)::int AS customers,
                (SELECT count(*) FROM retail.inventory)::int AS inventory`,
      );
      return rows[0].order_items > 0 ? rows[0] : undefined;
    } finally {
      await client.end();
    }
  };
  let rows = exists ? await counts() : undefined;
  let built = false;
  if (!rows) {
    process.stderr.write(`building ${database} (db init --sample-data --scale ${SCALE})\n`);
    const child = spawnTracked(
      process.execPath,
      [CLI, 'db', 'init', '--sample-data', '--scale', SCALE, '--database-url', adminUrl, '--json'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), CI: 'true' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const { code } = await child.exited;
    if (code !== 0) throw new Error(`db init failed (exit ${code}): ${stderr.slice(-1000)}`);
    rows = await counts();
    built = true;
  }
  return { rows, built };
}

/** What each identity should get for each question: row count, from the bare store session. */
export async function expectedAnswers(pool, config) {
  const expected = [];
  for (const identity of IDENTITIES) {
    const counts = [];
    for (const question of QUESTIONS)
      counts.push((await scopedQuery(pool, config, identity, question.sql)).rowCount);
    expected.push(counts);
  }
  return expected;
}

const setups = new Map();
/** The server's own setup text for this identity (built once per identity). */
function setupFor(config, identity) {
  if (!setups.has(identity.rlsUserId)) {
    setups.set(
      identity.rlsUserId,
      storeSessionSetup({
        role: config.serveRole,
        rlsUserId: identity.rlsUserId,
        statementTimeoutMs: config.statementTimeoutMs,
      }),
    );
  }
  return setups.get(identity.rlsUserId);
}

/** Exactly what one tool call costs the database: the same setup text, the statement, ROLLBACK. */
export async function scopedQuery(pool, config, identity, sql) {
  const client = await pool.connect();
  let broken;
  try {
    await client.query(setupFor(config, identity));
    return await client.query({ text: sql, rowMode: 'array', queryMode: 'extended' });
  } finally {
    await client.query('ROLLBACK').catch((error) => {
      broken = error;
    });
    client.release(broken);
  }
}

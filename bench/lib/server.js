// The PostgreSQL server the benchmarks use: TEST_DATABASE_URL, default the local server as postgres.
export const serverUrl = new URL(
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
);

/** A URL for one database on that server, optionally as another (password-less) user. */
export function urlFor(database, user) {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  if (user) {
    url.username = user;
    url.password = '';
  }
  return url.toString();
}

/** Environment for psql, pg_dump and friends pointed at the same server. */
export const pgEnv = {
  ...process.env,
  PGHOST: serverUrl.hostname,
  PGPORT: serverUrl.port || '5432',
  PGUSER: decodeURIComponent(serverUrl.username || 'postgres'),
};

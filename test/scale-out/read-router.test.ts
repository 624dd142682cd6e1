import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { classifyDbError } from '../../src/db/errors.js';
import { createReadRouter, type FallbackReason, type ReadTarget } from '../../src/db/replica.js';
import { STORES } from '../../src/db/stores.js';
import { createCircuitBreaker } from '../../src/mcp/resilience/breaker.js';
import { loginPool } from '../serve/support.js';
import { startProxy } from '../support/tcp-proxy.js';
import { createZavaTestDatabase, type ZavaTestDatabase } from '../support/zava.js';

// The "replica" here is the same database behind a TCP proxy that can be cut: what matters is the
// router's choice (measured reachability and its breaker), not replication (replica.test.ts).
const seattle = STORES[0];
let db: ZavaTestDatabase;
let primary: pg.Pool;

beforeAll(async () => {
  db = await createZavaTestDatabase({ scale: 'tiny' });
  primary = loginPool(db.loginUrl);
});
afterAll(async () => {
  await primary?.end();
  await db?.drop();
});

describe('the read router', () => {
  test('replica cut: the call runs on the primary; back: its open breaker keeps reads on the primary until the reset, then one trial returns them', async () => {
    const target = new URL(db.loginUrl);
    let proxy = await startProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const port = proxy.port;
    const replicaUrl = new URL(db.loginUrl);
    replicaUrl.port = String(port);
    const replica = loginPool(replicaUrl.toString());
    const routes: Array<[ReadTarget, FallbackReason | undefined]> = [];
    const router = createReadRouter({
      primary,
      replica,
      replicaWhere: 'proxied replica',
      maxLagSeconds: 5,
      // Long: this test decides when to measure.
      checkSeconds: 600,
      breaker: createCircuitBreaker({
        failureThreshold: 1,
        resetSeconds: 2,
        isFailure: (error) => classifyDbError(error).exitCode === 69,
      }),
      onRoute: (t, reason) => routes.push([t, reason]),
    });
    const count = () =>
      router.session(
        { role: db.readerRole, rlsUserId: seattle.rlsUserId, statementTimeoutMs: 5000 },
        async (client) =>
          (
            await client.query(
              "SELECT current_setting('app.current_rls_user_id') AS id, count(*)::int AS n FROM retail.orders",
            )
          ).rows[0],
      );
    try {
      expect(await router.refresh()).toMatchObject({ reachable: true, reads: 'replica', lagSeconds: 0 });
      const answer = await count();
      expect(answer.id).toBe(seattle.rlsUserId);
      expect(routes.at(-1)).toEqual(['replica', undefined]);

      await proxy.stop();
      // The pool's connections to the "replica" are gone; the next call cannot even connect there.
      expect(await count()).toEqual(answer);
      expect(routes.at(-1)).toEqual(['primary', 'unreachable']);
      expect(router.status().reads).toBe('primary');

      proxy = await startProxy({ host: target.hostname, port: Number(target.port || 5432) }, port);
      expect(await router.refresh()).toMatchObject({
        reachable: true,
        reads: 'primary',
        reason: 'breaker_open',
      });
      expect(await count()).toEqual(answer);
      expect(routes.at(-1)).toEqual(['primary', 'breaker_open']);

      await new Promise((r) => setTimeout(r, 2100));
      expect(await count()).toEqual(answer);
      expect(routes.at(-1)).toEqual(['replica', undefined]);
      expect(router.status()).toMatchObject({ reads: 'replica' });
    } finally {
      await router.close();
      await proxy.stop();
    }
  });

  test('a query error on the replica is the caller’s, not a reason to run it again on the primary', async () => {
    const replica = loginPool(db.loginUrl);
    const routes: ReadTarget[] = [];
    const router = createReadRouter({
      primary,
      replica,
      replicaWhere: 'replica',
      maxLagSeconds: 5,
      checkSeconds: 600,
      breaker: createCircuitBreaker({ failureThreshold: 1, resetSeconds: 60, isFailure: () => true }),
      onRoute: (t) => routes.push(t),
    });
    try {
      await router.refresh();
      await expect(
        router.session(
          { role: db.readerRole, rlsUserId: seattle.rlsUserId, statementTimeoutMs: 5000 },
          (client) => client.query('SELECT 1 / 0'),
        ),
      ).rejects.toMatchObject({ code: '22012' });
      expect(routes).toEqual(['replica']);
    } finally {
      await router.close();
    }
  });
});

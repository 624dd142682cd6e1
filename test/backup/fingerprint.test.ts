import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { planRestore } from '../../src/ops/backup/post-data.js';
import { fingerprintTable, openSnapshot, openSnapshotWorker } from '../../src/ops/backup/snapshot.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
const context = { serverMajor: 15, dumpMajor: 15, identity: 'test' };

beforeAll(async () => {
  db = await createTestDatabase('mcpops_backup_fp');
  await db.admin.query(`
    CREATE TYPE mood AS ENUM ('ok', 'sad');
    CREATE TABLE t (id serial PRIMARY KEY, v text, m mood DEFAULT 'ok');
    INSERT INTO t (v) SELECT 'row ' || g FROM generate_series(1, 1000) g;
  `);
});

afterAll(async () => {
  await db?.drop();
});

/** Fingerprint of table t as a backup taken now would see it. */
async function fingerprintNow(): Promise<string> {
  const url = new Secret(db.url);
  const snapshot = await openSnapshot(url, 'test');
  const worker = await openSnapshotWorker(url, 'test', snapshot.id);
  try {
    const table = snapshot.tables.find((x) => x.name === 't')!;
    return (await fingerprintTable(worker, table, context)).fingerprint;
  } finally {
    await worker.end();
    await snapshot.close();
  }
}

describe('unchanged-table detection', () => {
  it('is stable while nothing changes, and a rolled-back write changes nothing', async () => {
    const first = await fingerprintNow();
    expect(await fingerprintNow()).toBe(first);
    await db.admin.query('BEGIN');
    await db.admin.query("UPDATE t SET v = 'x' WHERE id = 1");
    await db.admin.query('ROLLBACK');
    expect(await fingerprintNow()).toBe(first);
  });

  it('sees the snapshot, not writes committed after it (concurrent writers)', async () => {
    const url = new Secret(db.url);
    const snapshot = await openSnapshot(url, 'test');
    let seen = '';
    try {
      const table = snapshot.tables.find((x) => x.name === 't')!;
      const before = await openSnapshotWorker(url, 'test', snapshot.id);
      const a = await fingerprintTable(before, table, context);
      await before.end();
      // A write lands between two dump steps of the same backup...
      await db.admin.query("UPDATE t SET v = 'changed' WHERE id = 2");
      const after = await openSnapshotWorker(url, 'test', snapshot.id);
      const b = await fingerprintTable(after, table, context);
      await after.end();
      // ...and both steps still see the same moment.
      expect(b).toEqual(a);
      seen = a.fingerprint;
    } finally {
      await snapshot.close();
    }
    // The next backup sees the write.
    expect(await fingerprintNow()).not.toBe(seen);
  });

  it.each([
    ['an update to the same value', 'UPDATE t SET v = v WHERE id = 3'],
    [
      'a delete and re-insert of identical rows',
      "DELETE FROM t WHERE id = 4; INSERT INTO t (id, v) VALUES (4, 'row 4')",
    ],
    ['an insert', "INSERT INTO t (v) VALUES ('new')"],
    ['a renamed enum label', "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'"],
    ['an added column with a default', 'ALTER TABLE t ADD COLUMN extra int DEFAULT 7'],
    ['a moved sequence', "SELECT setval('t_id_seq', 5000)"],
  ])('changes on %s', async (_what, sql) => {
    const before = await fingerprintNow();
    await db.admin.query(sql);
    expect(await fingerprintNow()).not.toBe(before);
  });
});

describe('post-data split for parallel restore', () => {
  const dump = [
    '--\n-- PostgreSQL database dump\n--\n\n\\restrict KEY123\n\nSET statement_timeout = 0;\n',
    '--\n-- Name: a a_pkey; Type: CONSTRAINT; Schema: public; Owner: x\n--\n\nALTER TABLE ONLY public.a\n    ADD CONSTRAINT a_pkey PRIMARY KEY (id);\n\n',
    '--\n-- Name: a a_check; Type: CONSTRAINT; Schema: public; Owner: x\n--\n\nALTER TABLE public.a\n    ADD CONSTRAINT a_check CHECK (id > 0);\n\n',
    '--\n-- Name: a_v_idx; Type: INDEX; Schema: public; Owner: x\n--\n\nCREATE INDEX a_v_idx ON public.a USING btree (v);\n\n',
    '--\n-- Name: b b_a_fkey; Type: FK CONSTRAINT; Schema: public; Owner: x\n--\n\nALTER TABLE ONLY public.b\n    ADD CONSTRAINT b_a_fkey FOREIGN KEY (a) REFERENCES public.a(id);\n\n',
    '--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict KEY123\n\n',
  ].join('\n');

  it('runs index builds in parallel and foreign keys after, each piece self-contained', () => {
    const plan = planRestore('SET statement_timeout = 0;\n', dump);
    expect(plan.indexes.map((i) => i.table)).toEqual(['public.a', 'public.a']);
    expect(plan.indexes[0].sql).toMatch(
      /^--\n-- PostgreSQL database dump[\s\S]*\\restrict KEY123[\s\S]*a_pkey[\s\S]*\\unrestrict KEY123\n$/,
    );
    expect(plan.indexes[1].sql).toContain('a_v_idx');
    expect(plan.constraints).toContain('a_check');
    expect(plan.constraints).toContain('b_a_fkey');
    expect(plan.constraints).not.toContain('a_pkey');
    expect(plan.constraints.match(/\\unrestrict KEY123/g)).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { planRestore } from '../../src/ops/backup/post-data.js';

const block = (name: string, type: string, sql: string) =>
  `--\n-- Name: ${name}; Type: ${type}; Schema: retail; Owner: x\n--\n\n${sql}\n\n`;
const dump = (key: string, blocks: string[]) =>
  [
    `--\n-- PostgreSQL database dump\n--\n\n\\restrict ${key}\n\nSET statement_timeout = 0;\n`,
    ...blocks,
    `--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict ${key}\n\n`,
  ].join('\n');

const pre = dump('PRE', [
  block(
    'orders',
    'TABLE',
    'CREATE TABLE retail.orders (id int, store_id int);\nALTER TABLE ONLY retail.orders FORCE ROW LEVEL SECURITY;',
  ),
  block('TABLE orders', 'ACL', 'GRANT SELECT ON TABLE retail.orders TO zava_reader;'),
  block(
    'DEFAULT PRIVILEGES FOR TABLES',
    'DEFAULT ACL',
    'ALTER DEFAULT PRIVILEGES IN SCHEMA retail GRANT SELECT ON TABLES TO zava_reader;',
  ),
]);
const post = dump('POST', [
  block(
    'orders orders_pkey',
    'CONSTRAINT',
    'ALTER TABLE ONLY retail.orders\n    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);',
  ),
  block('Odd idx', 'INDEX', 'CREATE INDEX "Odd idx" ON retail."Odd ""name""" USING btree (v);'),
  block(
    'orders orders_store_fkey',
    'FK CONSTRAINT',
    'ALTER TABLE ONLY retail.orders\n    ADD CONSTRAINT orders_store_fkey FOREIGN KEY (store_id) REFERENCES retail.stores(store_id);',
  ),
  block('orders', 'ROW SECURITY', 'ALTER TABLE retail.orders ENABLE ROW LEVEL SECURITY;'),
  block('orders zava_store_read', 'POLICY', 'CREATE POLICY zava_store_read ON retail.orders USING (true);'),
]);

describe('restore plan: row security before rows, grants last', () => {
  const plan = planRestore(pre, post);

  it('puts row security and policies into the schema step, and no grant', () => {
    expect(plan.hasRowSecurity).toBe(true);
    expect(plan.schema).toContain('CREATE TABLE retail.orders');
    expect(plan.schema).toContain('ENABLE ROW LEVEL SECURITY');
    expect(plan.schema).toContain('CREATE POLICY zava_store_read');
    expect(plan.schema).not.toMatch(/GRANT|DEFAULT PRIVILEGES/);
    expect(plan.schema.match(/\\unrestrict PRE/g)).toHaveLength(1);
    expect(plan.schema.match(/\\unrestrict POST/g)).toHaveLength(1);
  });

  it('keeps grants and default privileges for last', () => {
    expect(plan.grants).toContain('GRANT SELECT ON TABLE retail.orders TO zava_reader');
    expect(plan.grants).toContain('ALTER DEFAULT PRIVILEGES');
    expect(plan.grants).not.toMatch(/POLICY|CREATE TABLE/);
  });

  it('names the table of each index build (quoted names too); the rest runs after', () => {
    expect(plan.indexes.map((i) => i.table)).toEqual(['retail.orders', 'retail.Odd "name"']);
    expect(plan.constraints).toContain('orders_store_fkey');
    expect(plan.constraints).not.toMatch(/orders_pkey|POLICY|GRANT/);
  });
});

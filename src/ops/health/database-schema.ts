import { loadSql } from '../../db/sql-files.js';
import { type HealthCheck, judge, percentPerfdata } from './types.js';

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const list = (names: string[], max = 5): string =>
  `${names.slice(0, max).join(', ')}${names.length > max ? ', …' : ''}`;

export const invalidIndexesCheck: HealthCheck = {
  id: 'db.invalid_indexes',
  component: 'database',
  database: true,
  async run(ctx) {
    const rows = await ctx.db!.query(loadSql('health/invalid-indexes'));
    const t = ctx.thresholds.invalid_indexes;
    const status = judge(rows.length, t);
    return {
      status,
      value: rows.length,
      threshold: t,
      message: rows.length ? `INVALID index(es): ${list(rows.map((r) => r.index_name))}` : 'no INVALID index',
      remedy:
        status === 'OK'
          ? null
          : 'Run `mcpops index apply` (drops and rebuilds them concurrently), or DROP INDEX CONCURRENTLY each.',
      perfdata: [{ label: 'invalid_indexes', value: rows.length, warn: t.warn, min: 0 }],
    };
  },
};

export const duplicateIndexesCheck: HealthCheck = {
  id: 'db.duplicate_indexes',
  component: 'database',
  database: true,
  async run(ctx) {
    const rows = await ctx.db!.query(loadSql('health/duplicate-indexes'));
    const t = ctx.thresholds.duplicate_indexes;
    const status = judge(rows.length, t);
    const groups = rows.map((r) => `${r.table_name} (${(r.indexes as string[]).join(' = ')})`);
    return {
      status,
      value: rows.length,
      threshold: t,
      message: rows.length ? `duplicate indexes: ${list(groups, 3)}` : 'no duplicate index',
      remedy: status === 'OK' ? null : 'Keep one index of each group and DROP INDEX CONCURRENTLY the others.',
      perfdata: [{ label: 'duplicate_indexes', value: rows.length, warn: t.warn, min: 0 }],
    };
  },
};

export const unusedIndexesCheck: HealthCheck = {
  id: 'db.unused_indexes',
  component: 'database',
  database: true,
  async run(ctx) {
    const t = ctx.thresholds.unused_indexes;
    const rows = await ctx.db!.query(loadSql('health/unused-indexes'), [t.min_bytes]);
    const status = judge(rows.length, t);
    const bytes = rows.reduce((sum, r) => sum + Number(r.bytes), 0);
    return {
      status,
      value: rows.length,
      threshold: { warn: t.warn },
      message: rows.length
        ? `${rows.length} non-unique index(es) ≥ ${mb(t.min_bytes)} never scanned since the statistics reset (${mb(bytes)}): ${list(rows.map((r) => r.index_name))}`
        : `no unused index ≥ ${mb(t.min_bytes)}`,
      remedy:
        status === 'OK'
          ? null
          : 'Check replicas use them too, then DROP INDEX CONCURRENTLY the ones no query needs.',
      perfdata: [{ label: 'unused_indexes', value: rows.length, warn: t.warn, min: 0 }],
    };
  },
};

export const sequencesCheck: HealthCheck = {
  id: 'db.sequences',
  component: 'database',
  database: true,
  async run(ctx) {
    const rows = await ctx.db!.query(loadSql('health/sequences'));
    const t = ctx.thresholds.sequences;
    let worst = { name: '', ratio: 0 };
    for (const row of rows) {
      const ratio = Number(row.last_value) / Number(row.max_value);
      if (ratio > worst.ratio) worst = { name: row.sequence_name, ratio };
    }
    const status = judge(worst.ratio, t);
    return {
      status,
      value: Number(worst.ratio.toFixed(4)),
      threshold: t,
      message: worst.name
        ? `fullest sequence ${worst.name} at ${(worst.ratio * 100).toFixed(1)} % of its range (${rows.length} sequences)`
        : `${rows.length} sequences, none used`,
      remedy:
        status === 'OK'
          ? null
          : `Move ${worst.name} and its column to bigint (ALTER SEQUENCE … AS bigint; ALTER TABLE … TYPE bigint) before it runs out.`,
      perfdata: [percentPerfdata('sequence_used', worst.ratio, t, 2)],
    };
  },
};

export const bloatCheck: HealthCheck = {
  id: 'db.dead_tuples',
  component: 'database',
  database: true,
  async run(ctx) {
    const t = ctx.thresholds.dead_tuples;
    const rows = await ctx.db!.query(loadSql('health/bloat'), [t.min_dead]);
    const top = rows[0];
    const ratio = top ? Number(top.dead) / Math.max(1, Number(top.live) + Number(top.dead)) : 0;
    const status = judge(ratio, t);
    return {
      status,
      value: Number(ratio.toFixed(4)),
      threshold: { warn: t.warn, crit: t.crit },
      message: top
        ? `most dead tuples: ${top.table_name} ${Number(top.dead).toLocaleString('en-US')} dead of ${(Number(top.live) + Number(top.dead)).toLocaleString('en-US')} (${(ratio * 100).toFixed(1)} %)`
        : `no table has ${t.min_dead} dead tuples or more`,
      remedy:
        status === 'OK'
          ? null
          : `VACUUM (ANALYZE) ${top?.table_name}; if it recurs, tune autovacuum_vacuum_scale_factor for that table.`,
      perfdata: [percentPerfdata('dead_tuple_ratio', ratio, t, 2)],
    };
  },
};

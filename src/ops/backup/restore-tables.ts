import type pg from 'pg';
import { loadSql } from '../../db/sql-files.js';
import type { ManifestObject } from './manifest.js';

/** Orders data objects so that a table comes after the tables its foreign keys point to. */
export async function parentsFirst(client: pg.Client, objects: ManifestObject[]): Promise<ManifestObject[]> {
  const names = objects.map((o) => o.table as string);
  const edges = (
    await client.query<{ child: string; parent: string }>(loadSql('backup/restore-fk-order'), [names])
  ).rows;
  const ordered: ManifestObject[] = [];
  let left = [...objects];
  while (left.length) {
    const placed = new Set(ordered.map((o) => o.table));
    const ready = left.filter((o) =>
      edges.every((e) => e.child !== o.table || e.parent === o.table || placed.has(e.parent)),
    );
    // A cycle of foreign keys cannot be ordered; the rest keep the manifest's order.
    const next = ready.length ? ready : left;
    ordered.push(...next);
    left = left.filter((o) => !next.includes(o));
  }
  return ordered;
}

/** `TRUNCATE a, b`: one statement, so tables linked by foreign keys empty together. */
export function truncateStatement(client: pg.Client, objects: ManifestObject[]): string {
  const names = objects.map((o) =>
    (o.table as string)
      .split('.')
      .map((part) => client.escapeIdentifier(part))
      .join('.'),
  );
  return `TRUNCATE ${names.join(', ')};\n`;
}

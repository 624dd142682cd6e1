import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError, UsageError } from '../../errors.js';

const pct = z.number().min(0).max(100);
const count = z.number().int().nonnegative();

/**
 * What scale-advise decides from: a recorded file (`--metrics`) or a live collection. Per-replica
 * figures are averages across replicas; `notes` say where live figures came from.
 */
export const snapshotSchema = z.strictObject({
  takenAt: z.string().optional(),
  description: z.string().optional(),
  app: z.strictObject({
    replicas: z.strictObject({
      current: z.number().int().min(1),
      min: z.number().int().min(0).optional(),
      max: z.number().int().min(1).optional(),
    }),
    /** Average CPU utilisation across replicas, percent of the requested CPU. */
    cpuPercent: pct,
    memoryPercent: pct,
    /** Requests waiting (for a pool connection); unknown leaves the queue rules out. */
    queueDepth: count.optional(),
    requestsPerSecond: z.number().nonnegative().optional(),
    avgRequestSeconds: z.number().nonnegative().optional(),
    /** Requests in flight across all replicas. */
    inFlight: z.number().nonnegative().optional(),
    /** One replica's pool. */
    pool: z
      .strictObject({
        max: count.optional(),
        total: count.optional(),
        idle: count.optional(),
        waiting: count.optional(),
      })
      .optional(),
  }),
  database: z.strictObject({
    maxConnections: z.number().int().min(1),
    superuserReserved: count.default(3),
    reserved: count.default(0),
    connections: z.strictObject({
      total: count,
      active: count.default(0),
      idle: count.default(0),
      idleInTransaction: count.default(0),
      /** Active queries waiting on a lock. */
      waiting: count.default(0),
    }),
    /** Database server CPU, when known (Azure Monitor, or the host when the database runs on it). */
    cpuPercent: pct.optional(),
    /** Current SKU, e.g. B1ms or Standard_D2ds_v5. */
    tier: z.string().optional(),
  }),
  notes: z.array(z.string()).default([]),
});

export type MetricsSnapshot = z.output<typeof snapshotSchema>;
export type MetricsSnapshotInput = z.input<typeof snapshotSchema>;

export function parseSnapshot(raw: unknown, what: string): MetricsSnapshot {
  const parsed = snapshotSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new ConfigError(`${what} is invalid at ${where}: ${issue.message}`, {
      code: 'metrics_invalid',
      suggestion:
        'See docs/scale-advise.md for the snapshot format, or test/fixtures/metrics/*.json for examples.',
    });
  }
  return parsed.data;
}

/** Reads a recorded snapshot (JSON), validated; errors name the file and the field. */
export async function loadSnapshot(file: string): Promise<MetricsSnapshot> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`metrics file ${file} cannot be read (${reason})`, {
      code: 'metrics_unreadable',
      suggestion: 'Check the --metrics path (e.g. test/fixtures/metrics/high-cpu.json).',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`metrics file ${file} is not valid JSON (${(error as Error).message})`, {
      code: 'metrics_invalid',
      suggestion: 'A snapshot is one JSON object; see docs/scale-advise.md.',
    });
  }
  return parseSnapshot(raw, `metrics file ${file}`);
}

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import { ConfigError, UsageError } from '../../errors.js';

const num = z.number().nonnegative();
const pos = z.number().positive();

/** A workload profile file (YAML or JSON): every field optional, unknown keys are errors. */
export const workloadFileSchema = z.strictObject({
  name: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  hoursPerMonth: pos.optional(),
  traffic: z.strictObject({ requestsPerMonth: num.optional(), avgRequestSeconds: num.optional() }).optional(),
  containerApps: z
    .strictObject({
      sizing: z.enum(['replicas', 'requests']).optional(),
      replicas: num.optional(),
      minReplicas: num.optional(),
      vcpu: pos.optional(),
      memoryGib: pos.optional(),
      activeHoursPerMonth: num.optional(),
      concurrency: pos.optional(),
    })
    .optional(),
  postgres: z
    .strictObject({
      sku: z.string().min(1).optional(),
      databaseSizeGb: num.optional(),
      storageGb: pos.optional(),
      backupStorageGb: num.optional(),
    })
    .optional(),
  embeddings: z
    .strictObject({
      model: z.string().min(1).optional(),
      queriesPerMonth: num.optional(),
      avgQueryTokens: num.optional(),
      productCount: num.optional(),
      changedProductsPerMonth: num.optional(),
      avgDescriptionTokens: num.optional(),
    })
    .optional(),
  logs: z.strictObject({ bytesPerRequest: num.optional() }).optional(),
  backups: z
    .strictObject({
      fullSizeGb: num.optional(),
      fullsPerDay: num.optional(),
      incrementalSizeGb: num.optional(),
      incrementalsPerDay: num.optional(),
      retentionDays: num.optional(),
      blockMiB: pos.optional(),
      restoresPerMonth: num.optional(),
    })
    .optional(),
});
export type WorkloadFile = z.output<typeof workloadFileSchema>;

type Resolved<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends object ? Resolved<NonNullable<T[K]>> : NonNullable<T[K]>;
};
/** A fully resolved workload: every field has a value and (in `inputs`) a source. */
export type Workload = Resolved<WorkloadFile>;

export type InputSource = 'measured' | 'assumed' | 'flag' | 'file';
export interface WorkloadInput {
  name: string;
  value: string | number;
  source: InputSource;
  note?: string;
}
export type FlatValues = Record<string, string | number>;

type Default = string | number | ((w: FlatValues) => string | number);
/** Azure PostgreSQL Flexible Server storage sizes (GiB). */
const STORAGE_SIZES = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];

/**
 * Every input, in resolution order, with its assumed default. Later defaults may use earlier
 * values (e.g. queries default to the request volume), so the order matters.
 */
export const WORKLOAD_FIELDS: Array<[string, Default, string?]> = [
  ['name', 'workload'],
  ['region', 'eastus'],
  ['hoursPerMonth', 730, 'Azure bills a month as 730 hours'],
  ['traffic.requestsPerMonth', 1_000_000],
  ['traffic.avgRequestSeconds', 0.2],
  ['containerApps.sizing', 'replicas'],
  ['containerApps.replicas', 1],
  ['containerApps.minReplicas', 1],
  ['containerApps.vcpu', 0.5],
  ['containerApps.memoryGib', 1],
  ['containerApps.activeHoursPerMonth', (w) => w.hoursPerMonth, 'replicas busy all month'],
  ['containerApps.concurrency', 10, 'Container Apps HTTP scale rule default (concurrentRequests)'],
  ['postgres.sku', 'B1ms'],
  ['postgres.databaseSizeGb', 1],
  [
    'postgres.storageGb',
    (w) => STORAGE_SIZES.find((s) => s >= Number(w['postgres.databaseSizeGb']) * 1.25) ?? 32767,
    'smallest Azure storage size ≥ database size × 1.25',
  ],
  [
    'postgres.backupStorageGb',
    (w) => w['postgres.storageGb'],
    'equal to provisioned storage (within the free 100 %)',
  ],
  ['embeddings.model', 'text-embedding-3-small'],
  [
    'embeddings.queriesPerMonth',
    (w) => w['traffic.requestsPerMonth'],
    'every request embeds one query (upper bound)',
  ],
  ['embeddings.avgQueryTokens', 12],
  ['embeddings.productCount', 400],
  [
    'embeddings.changedProductsPerMonth',
    (w) => Math.ceil(Number(w['embeddings.productCount']) * 0.1),
    '10 % of products change per month',
  ],
  ['embeddings.avgDescriptionTokens', 60],
  ['logs.bytesPerRequest', 2000],
  [
    'backups.fullSizeGb',
    (w) => Number(w['postgres.databaseSizeGb']) * 0.3,
    'compressed dump ≈ 30 % of the database',
  ],
  ['backups.fullsPerDay', 1, 'reference schedule: full daily at 02:00 UTC'],
  ['backups.incrementalSizeGb', (w) => Number(w['backups.fullSizeGb']) * 0.02, '2 % of a full backup'],
  ['backups.incrementalsPerDay', 23, 'reference schedule: hourly, the full taking the 02:00 slot'],
  ['backups.retentionDays', 30, 'reference retention'],
  ['backups.blockMiB', 4, 'upload block size of `backup` (4 MiB): one write operation per block'],
  ['backups.restoresPerMonth', 1, 'one restore test a month'],
];
const FIELD_KEYS = new Set(WORKLOAD_FIELDS.map(([key]) => key));

export function flatten(value: unknown, prefix = '', out: FlatValues = {}): FlatValues {
  for (const [key, inner] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (inner !== null && typeof inner === 'object') flatten(inner, path, out);
    else if (inner !== undefined) out[path] = inner as string | number;
  }
  return out;
}

function unflatten(values: FlatValues): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const [path, value] of Object.entries(values)) {
    const parts = path.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = node[part] ??= {};
    node[parts.at(-1)!] = value;
  }
  return out;
}

/** Reads a profile file; YAML unless it ends in .json. Errors name the file and the field. */
export async function loadWorkloadFile(file: string): Promise<WorkloadFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`workload file ${file} cannot be read (${reason})`, {
      code: 'workload_unreadable',
      suggestion: 'Check the --workload / --compare path.',
    });
  }
  let raw: unknown;
  try {
    raw = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (error) {
    throw new ConfigError(
      `workload file ${file} cannot be parsed (${(error as Error).message.split('\n')[0]})`,
      {
        code: 'workload_invalid',
        suggestion: 'Write the profile as YAML or JSON (see docs/cost-estimate.md).',
      },
    );
  }
  return validateWorkload(raw ?? {}, `workload file ${file}`);
}

function validateWorkload(raw: unknown, what: string): WorkloadFile {
  const parsed = workloadFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new ConfigError(`${what} is invalid at ${where}: ${issue.message}`, {
      code: 'workload_invalid',
      suggestion: 'See docs/cost-estimate.md for the workload fields and their units.',
    });
  }
  return parsed.data;
}

/** Parses `--set key=value` pairs (numbers where the field is numeric), validated like a file. */
export function parseWorkloadFlags(pairs: string[]): WorkloadFile {
  const values: FlatValues = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq).trim();
    if (eq < 1 || !FIELD_KEYS.has(key)) {
      throw new UsageError(`--set ${pair}: expected key=value with a known key`, {
        code: 'workload_flag_invalid',
        suggestion: `Known keys: ${[...FIELD_KEYS].join(', ')}.`,
      });
    }
    const text = pair.slice(eq + 1).trim();
    values[key] = text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  }
  const raw = unflatten(values);
  // Names, regions and SKUs are text even when they look numeric.
  for (const [key, text] of [['name'], ['region'], ['postgres', 'sku'], ['embeddings', 'model']] as const) {
    const node: any = text ? (raw as any)[key] : raw;
    const leaf = text ?? key;
    if (node && typeof node[leaf] === 'number') node[leaf] = String(node[leaf]);
  }
  return validateWorkload(raw, '--set');
}

export interface WorkloadLayers {
  flags?: WorkloadFile;
  measured?: { values: FlatValues; notes?: Record<string, string> };
  file?: WorkloadFile;
}

/** Resolves every input: flag, then measured, then file, then the assumed default. */
export function resolveWorkload(layers: WorkloadLayers): { workload: Workload; inputs: WorkloadInput[] } {
  const flags = flatten(layers.flags);
  const measured = layers.measured?.values ?? {};
  const file = flatten(layers.file);
  const values: FlatValues = {};
  const inputs: WorkloadInput[] = [];
  for (const [key, fallback, note] of WORKLOAD_FIELDS) {
    let input: WorkloadInput;
    if (key in flags) input = { name: key, value: flags[key], source: 'flag' };
    else if (key in measured)
      input = { name: key, value: measured[key], source: 'measured', note: layers.measured?.notes?.[key] };
    else if (key in file) input = { name: key, value: file[key], source: 'file' };
    else {
      const value = typeof fallback === 'function' ? fallback(values) : fallback;
      input = { name: key, value, source: 'assumed', ...(note ? { note } : {}) };
    }
    values[key] = input.value;
    inputs.push(input);
  }
  return { workload: unflatten(values) as Workload, inputs };
}

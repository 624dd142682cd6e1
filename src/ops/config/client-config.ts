import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { HEAD_OFFICE_ID, STORES } from '../../db/stores.js';
import { ConfigError, UsageError } from '../../errors.js';
import { packageRoot } from '../../paths.js';

export const CLIENTS = ['claude', 'vscode', 'cursor', 'inspector'] as const;
export type ClientName = (typeof CLIENTS)[number];

export interface ClientConfigOptions {
  client: ClientName;
  http: boolean;
  /** Store names (or "head office"); default: every store and head office. */
  stores?: string[];
  /** The serve URL for --http entries. */
  url?: string;
  /** Global arguments every stdio entry passes before `serve` (absolute --config / --dotenv). */
  globalArgs?: string[];
  /** Environment for stdio entries (e.g. DATABASE_URL). */
  env?: Record<string, string>;
}

export interface ClientEntry {
  name: string;
  store: string;
  rlsUserId: string;
  server: Record<string, unknown>;
}

export interface ClientConfig {
  client: ClientName;
  /** The top-level key the client keeps its servers under. */
  key: 'mcpServers' | 'servers';
  entries: ClientEntry[];
  document: Record<string, unknown>;
}

const identities = [
  ...STORES.map((s) => ({ name: s.name, rlsUserId: s.rlsUserId })),
  { name: 'head office', rlsUserId: HEAD_OFFICE_ID },
];

function entryName(store: string): string {
  return `zava-${store
    .replace(/^Zava Retail /i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')}`;
}

function pickStores(names: string[] | undefined): typeof identities {
  if (!names || names.length === 0) return identities;
  return names.map((wanted) => {
    const found = identities.find(
      (s) =>
        s.name.toLowerCase() === wanted.toLowerCase() ||
        s.rlsUserId === wanted.toLowerCase() ||
        entryName(s.name) === entryName(wanted),
    );
    if (!found)
      throw new UsageError(`unknown store "${wanted}"`, {
        code: 'unknown_store',
        suggestion: `Use one of: ${identities.map((s) => `"${s.name}"`).join(', ')}.`,
      });
    return found;
  });
}

/**
 * How a client outside this folder starts this installation: the absolute path of the running
 * node and of this package's bin, so it works from any working directory and never depends on a
 * registry name or the client's PATH.
 */
export function launchCommand(): { command: string; args: string[] } {
  const bin = join(packageRoot(), 'bin', 'mcpops.js');
  return { command: process.execPath, args: [existsSync(bin) ? realpathSync(bin) : bin] };
}

function stdioServer(
  client: ClientName,
  store: string,
  options: ClientConfigOptions,
): Record<string, unknown> {
  const launch = launchCommand();
  const server: Record<string, unknown> = {
    ...(client === 'vscode' || client === 'inspector' ? { type: 'stdio' } : {}),
    command: launch.command,
    args: [...launch.args, ...(options.globalArgs ?? []), 'serve', '--store', store],
  };
  if (options.env && Object.keys(options.env).length > 0) server.env = options.env;
  return server;
}

function httpServer(client: ClientName, rlsUserId: string, url: string): Record<string, unknown> {
  const headers = { 'x-rls-user-id': rlsUserId };
  switch (client) {
    case 'vscode':
      return { type: 'http', url, headers };
    case 'cursor':
      return { url, headers };
    case 'inspector':
      return { type: 'streamable-http', url, headers };
    case 'claude':
      // Claude Desktop starts local commands only; the published mcp-remote bridge adds the header.
      return {
        command: 'npx',
        args: ['-y', 'mcp-remote', url, '--header', `x-rls-user-id:${rlsUserId}`],
      };
  }
}

export function buildClientConfig(options: ClientConfigOptions): ClientConfig {
  const key = options.client === 'vscode' ? 'servers' : 'mcpServers';
  const url = options.url ?? 'http://127.0.0.1:8000/mcp';
  const entries = pickStores(options.stores).map((s) => ({
    name: entryName(s.name),
    store: s.name,
    rlsUserId: s.rlsUserId,
    server: options.http
      ? httpServer(options.client, s.rlsUserId, url)
      : stdioServer(options.client, s.name, options),
  }));
  const servers = Object.fromEntries(entries.map((e) => [e.name, e.server]));
  return { client: options.client, key, entries, document: { [key]: servers } };
}

/** Where each client reads its config; undefined where there is no fixed place (the Inspector). */
export function defaultClientFile(client: ClientName, cwd = process.cwd()): string | undefined {
  const home = homedir();
  switch (client) {
    case 'claude':
      if (platform() === 'darwin')
        return join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json');
      if (platform() === 'win32')
        return join(
          process.env.APPDATA ?? join(home, 'AppData', 'Roaming'),
          'Claude',
          'claude_desktop_config.json',
        );
      return join(home, '.config', 'Claude', 'claude_desktop_config.json');
    case 'vscode':
      return resolve(cwd, '.vscode', 'mcp.json');
    case 'cursor':
      return join(home, '.cursor', 'mcp.json');
    case 'inspector':
      return undefined;
  }
}

/** The file --write merges into: `--file`, else where the client reads its config. */
export function clientFile(client: ClientName, file?: string): string {
  const chosen = file ? resolve(file) : defaultClientFile(client);
  if (!chosen) {
    throw new UsageError('the MCP Inspector has no fixed config file', {
      code: 'client_file_needed',
      suggestion: 'Pass --file <path> and start the Inspector with --config <path> --server <entry>.',
    });
  }
  return chosen;
}

/**
 * A client starts the server in its own folder, where this folder's mcpops.config.json and .env
 * are not found: the files this run would read are passed on by absolute path.
 */
export function pinnedFiles(config?: string, dotenv?: string): string[] {
  const args: string[] = [];
  const configFile = config ?? (existsSync('mcpops.config.json') ? 'mcpops.config.json' : undefined);
  if (configFile) args.push('--config', resolve(configFile));
  const envFile = dotenv ?? (existsSync('.env') ? '.env' : undefined);
  if (envFile) args.push('--dotenv', resolve(envFile));
  return args;
}

export interface MergePlan {
  file: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  added: string[];
  changed: string[];
  unchanged: string[];
}

/** The client's file with our entries set under its key; every other key and entry is kept. */
export function planMerge(file: string, config: ClientConfig): MergePlan {
  let before: Record<string, unknown> = {};
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    try {
      before = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch (error) {
      throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, {
        code: 'client_config_invalid',
        suggestion: 'Fix the file by hand (or move it away), then run client-config --write again.',
      });
    }
    if (typeof before !== 'object' || before === null || Array.isArray(before))
      throw new ConfigError(`${file} does not hold a JSON object`, {
        code: 'client_config_invalid',
        suggestion: 'Fix the file by hand (or move it away), then run client-config --write again.',
      });
  }
  const existing = (before[config.key] ?? {}) as Record<string, unknown>;
  const added: string[] = [];
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const entry of config.entries) {
    if (!(entry.name in existing)) added.push(entry.name);
    else if (JSON.stringify(existing[entry.name]) === JSON.stringify(entry.server))
      unchanged.push(entry.name);
    else changed.push(entry.name);
  }
  const servers = { ...existing, ...(config.document[config.key] as Record<string, unknown>) };
  return { file, before, after: { ...before, [config.key]: servers }, added, changed, unchanged };
}

/** How many entries the merge adds or changes. */
export const mergeChanges = (plan: MergePlan): number => plan.added.length + plan.changed.length;

/** Writes the merged file through a temporary file, so the client never reads half of it. */
export function applyMerge(plan: MergePlan): void {
  mkdirSync(dirname(plan.file), { recursive: true });
  const temporary = `${plan.file}.mcpops-tmp`;
  writeFileSync(temporary, `${JSON.stringify(plan.after, null, 2)}\n`);
  renameSync(temporary, plan.file);
}

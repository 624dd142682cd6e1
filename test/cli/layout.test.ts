import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|js)$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** Every module a file names: static imports and re-exports, `import type`, and `import()`. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)];
  return specifiers
    .map((match) => match[1])
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(root, resolve(root, dirname(file), specifier)).replace(/\.js$/, '.ts'));
}

/** `file → module` for every import from a file under `from` of a module under `to`. */
function crossings(from: string, to: string, except: string[] = []): string[] {
  return sourceFiles(from)
    .filter((file) => !except.includes(file))
    .flatMap((file) =>
      importsOf(file)
        .filter((target) => target === to || target.startsWith(`${to}/`))
        .map((target) => `${file} → ${target}`),
    );
}

describe('the layout: which folders may import which', () => {
  it.each([
    ['src/db', 'src/embeddings'],
    ['src/ops', 'src/ui'],
    ['src/db', 'src/ui'],
    ['src/mcp', 'src/ui'],
    ['src/embeddings', 'src/ui'],
    ['src/config', 'src/ops'],
    ['src/config', 'src/db'],
    ['src/config', 'src/mcp'],
  ])('nothing under %s imports %s', (from, to) => {
    expect(crossings(from, to)).toEqual([]);
  });

  it('nothing under src imports commands, but the program that registers them (src/cli.ts)', () => {
    expect(crossings('src', 'commands', ['src/cli.ts'])).toEqual([]);
  });

  it('sees the imports it checks (a module every command uses)', () => {
    expect(crossings('commands', 'src/ui').length).toBeGreaterThan(0);
    expect(crossings('src/ops/bootstrap', 'src/db/open.ts').length).toBeGreaterThan(0);
  });
});

/** Each import cycle among the files under `dir`, as the chain of files that closes it. */
function cycles(dir: string): string[] {
  const files = new Set(sourceFiles(dir));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const found: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of importsOf(file).filter((target) => files.has(target))) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next].join(' → '));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

describe('the layout: no import cycles', () => {
  it('no two modules under src import each other, directly or through others (type imports too)', () => {
    expect(cycles('src')).toEqual([]);
  });
});

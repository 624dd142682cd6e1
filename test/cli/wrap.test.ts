import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { detectTerminal } from '../../src/ui/terminal.js';
import { wrapText } from '../../src/ui/wrap.js';

const plain = detectTerminal({ env: {}, stdoutIsTTY: true, stderrIsTTY: true });
const coloured = detectTerminal({ env: { FORCE_COLOR: '1' }, stdoutIsTTY: true, stderrIsTTY: true });
const json = detectTerminal({ json: true, env: {} });

describe('wrapText: prose to the terminal width, at word boundaries, with a hanging indent', () => {
  it.each([
    ['fits: unchanged', 'short line', '  ', 20, 'short line'],
    [
      'wraps with the indent',
      'skipped: one two three four five',
      '  ',
      16,
      'skipped: one two\n  three four\n  five',
    ],
    [
      'keeps the line’s own lead',
      '  why:  alpha beta gamma',
      '        ',
      16,
      '  why:  alpha\n        beta\n        gamma',
    ],
    [
      'a word longer than the width stays whole',
      'see https://example.com/a/long/path now',
      '  ',
      12,
      'see\n  https://example.com/a/long/path\n  now',
    ],
    ['each line on its own', 'aaa bbb ccc\nddd eee fff', '  ', 8, 'aaa bbb\n  ccc\nddd eee\n  fff'],
    [
      'no width (not a terminal): unchanged',
      'one two three four five',
      '  ',
      undefined,
      'one two three four five',
    ],
  ])('%s', (_name, text, indent, width, expected) => {
    expect(wrapText(plain, text, indent, width)).toBe(expected);
  });

  it('measures what is shown, not colour codes', () => {
    const text = `${coloured.chalk.bold('decision')}: ${coloured.chalk.red('one two')} three`;
    expect(text).not.toBe(stripVTControlCharacters(text));
    const lines = wrapText(coloured, text, '  ', 20).split('\n');
    expect(lines.map((l) => stripVTControlCharacters(l))).toEqual(['decision: one two', '  three']);
  });

  it('never wraps --json output', () => {
    expect(wrapText(json, 'one two three four five', '  ', 8)).toBe('one two three four five');
  });
});

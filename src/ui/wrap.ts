import { stripVTControlCharacters } from 'node:util';
import type { Terminal } from './terminal.js';

const visible = (text: string) => stripVTControlCharacters(text).length;

/** One line broken at spaces to fit `width`; a word longer than the width stays whole. */
function wrapLine(line: string, width: number, indent: string): string[] {
  if (visible(line) <= width) return [line];
  const lead = /^ */.exec(line)?.[0] ?? '';
  const out: string[] = [];
  let current = lead;
  let used = lead.length;
  let empty = true;
  for (const word of line.slice(lead.length).split(' ')) {
    const w = visible(word);
    if (!empty && used + 1 + w > width) {
      if (word === '') continue; // a run of spaces at the break: the new line starts at the indent
      out.push(current);
      current = indent + word;
      used = indent.length + w;
    } else {
      current += empty ? word : ` ${word}`;
      used += (empty ? 0 : 1) + w;
      empty = false;
    }
  }
  out.push(current);
  return out;
}

/**
 * Prose for people, wrapped at word boundaries to the terminal's width, each continuation line
 * starting with `indent`. Tables fit themselves (table.ts); this is for the lines between them.
 * Not on a terminal (pipes, files) or with --json, the text is returned as it is.
 */
export function wrapText(
  terminal: Terminal,
  text: string,
  indent = '  ',
  width = process.stdout.isTTY ? process.stdout.columns : undefined,
): string {
  if (!width || terminal.json) return text;
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, width, indent))
    .join('\n');
}

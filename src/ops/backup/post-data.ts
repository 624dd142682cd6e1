/**
 * Splits a plain post-data dump into what may run in parallel (index and primary-key/unique
 * builds: the slow part, which `pg_restore -j` also parallelises) and what must run after, in
 * order (foreign keys need the unique indexes, triggers, policies, index attachments).
 * Each piece carries the dump's preamble (SET statements, `\restrict`) so it runs on its own.
 */
export interface PostDataPlan {
  parallel: string[];
  serial: string;
}

const BLOCK = /\n(?=--\n-- Name: [^\n]*; Type: [^\n;]+; Schema: )/;
const PARALLEL_TYPES = new Set(['INDEX', 'CONSTRAINT']);

export function splitPostData(text: string): PostDataPlan {
  const key = /^\\restrict (\S+)$/m.exec(text)?.[1];
  const closing = key ? `\n\\unrestrict ${key}\n` : '\n';
  const body = key ? text.replace(new RegExp(`^\\\\unrestrict ${key}$`, 'm'), '') : text;
  const [preamble, ...blocks] = body.split(BLOCK);
  const parallel: string[] = [];
  const serial: string[] = [];
  for (const block of blocks) {
    const type = /; Type: ([^;\n]+);/.exec(block)?.[1] ?? '';
    // A CONSTRAINT block may hold a CHECK or EXCLUDE as well; only index-backed ones are worth it.
    if (PARALLEL_TYPES.has(type) && (type === 'INDEX' || /\b(PRIMARY KEY|UNIQUE)\b/.test(block))) {
      parallel.push(`${preamble}\n${block}${closing}`);
    } else serial.push(block);
  }
  return { parallel, serial: `${preamble}\n${serial.join('\n')}${closing}` };
}

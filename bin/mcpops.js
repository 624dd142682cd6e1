#!/usr/bin/env node
import module from 'node:module';

// `serve --http` runs for a long time under concurrent load. V8 grows its young generation up to
// 64 MB, and only a flag given at start can bound it (v8.setFlagsFromString comes too late), so
// the process re-executes itself once with the flag: same pid, same stdio, same arguments. A
// flag already given wins. stdio serves one client and keeps its start time instead.
const SEMI_SPACE = '--max-semi-space-size';
const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes(SEMI_SPACE));
const args = process.argv.slice(2);
if (args.includes('serve') && args.includes('--http') && !given && typeof process.execve === 'function') {
  const argv = [process.execPath, `${SEMI_SPACE}=8`, ...process.execArgv, ...process.argv.slice(1)];
  process.execve(process.execPath, argv, process.env);
}

// V8's compiled code for the modules is kept on disk between runs (start time of `serve`).
module.enableCompileCache?.();
const { main } = await import('../dist/src/cli.js');

await main(process.argv);

#!/usr/bin/env node
import module from 'node:module';

// V8's compiled code for the modules is kept on disk between runs (start time of `serve`).
module.enableCompileCache?.();
const { main } = await import('../dist/src/cli.js');

await main(process.argv);

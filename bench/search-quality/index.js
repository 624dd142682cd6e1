#!/usr/bin/env node
// `npm run bench` entry for the search-quality benchmark; the benchmark itself lives next to the
// vector benchmark it shares its catalogue and method with (see docs/benchmarks/vector.md).
import '../vector/quality.js';

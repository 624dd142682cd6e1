// A from-scratch primary + streaming replica pair, shared with the benchmarks (bench/lib).
export * from '../../bench/lib/pg-cluster.js';

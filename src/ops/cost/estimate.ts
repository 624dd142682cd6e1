import {
  blobLines,
  type Component,
  containerAppsLines,
  embeddingLines,
  type LineItem,
  monitoringLines,
  postgresLines,
} from './line-items.js';
import type { PriceSheet } from './prices.js';
import type { Workload, WorkloadInput } from './workload.js';

export interface ComponentShare {
  component: Component;
  monthlyCost: number;
  /** Fraction of the total, 0..1 (0 when the total is 0). */
  share: number;
}

export interface CostEstimate {
  name: string;
  region: string;
  currency: string;
  /** The price table's date: shown in every output as "prices as of …". */
  pricesAsOf: string;
  pricesFile: string;
  pricesSource: string;
  lines: LineItem[];
  total: number;
  shares: ComponentShare[];
  /** Share of the total priced with derived (not API-read) figures. */
  derivedShare: number;
  inputs: WorkloadInput[];
  workload: Workload;
}

const COMPONENTS: Component[] = ['container-apps', 'postgres', 'embeddings', 'monitoring', 'blob'];
const round = (n: number) => Math.round(n * 1e9) / 1e9;

/** Prices a resolved workload line by line; pure, so tests check it against hand-computed totals. */
export function estimateCost(
  workload: Workload,
  prices: PriceSheet,
  inputs: WorkloadInput[] = [],
): CostEstimate {
  const lines = [
    ...containerAppsLines(workload, prices),
    ...postgresLines(workload, prices),
    ...embeddingLines(workload, prices),
    ...monitoringLines(workload, prices),
    ...blobLines(workload, prices),
  ];
  const total = round(lines.reduce((sum, l) => sum + l.monthlyCost, 0));
  const shares = COMPONENTS.map((component) => {
    const monthlyCost = round(
      lines.filter((l) => l.component === component).reduce((sum, l) => sum + l.monthlyCost, 0),
    );
    return { component, monthlyCost, share: total > 0 ? monthlyCost / total : 0 };
  });
  const derived = lines.filter((l) => l.priceStatus === 'derived').reduce((sum, l) => sum + l.monthlyCost, 0);
  return {
    name: workload.name,
    region: prices.region,
    currency: prices.currency,
    pricesAsOf: prices.takenAt,
    pricesFile: prices.file,
    pricesSource: prices.source,
    lines,
    total,
    shares,
    derivedShare: total > 0 ? derived / total : 0,
    inputs,
    workload,
  };
}

export interface CostComparisonRow {
  name: string;
  a: number;
  b: number;
  delta: number;
}

export interface CostComparison {
  a: CostEstimate;
  b: CostEstimate;
  rows: CostComparisonRow[];
  totalDelta: number;
}

/** Two estimates side by side; lines come in a fixed order, so they pair up by position. */
export function compareEstimates(a: CostEstimate, b: CostEstimate): CostComparison {
  const rows = a.lines.map((line, i) => {
    const other = b.lines[i];
    const name = other.name === line.name ? line.name : `${line.name} / ${other.name}`;
    return {
      name,
      a: line.monthlyCost,
      b: other.monthlyCost,
      delta: round(other.monthlyCost - line.monthlyCost),
    };
  });
  return { a, b, rows, totalDelta: round(b.total - a.total) };
}

import { figure, formatBytes, formatMs, formatNumber, type Figure } from '../report/figures.js';
import { round, slope } from '../report/stats.js';
import { noMatchSummary, type ScalePoint } from './scale-point.js';

export interface ScaleTargets {
  /**
   * "Flat": the listener's figure relative to its baseline at a size, over the same at the smallest
   * size, is at least this (no-match CPU per delivery; one-match p50).
   */
  readonly flatTarget: number;
}

// Listener performance over its baseline's at one size (higher is better). It pairs measurements
// taken seconds apart, so the machine's load, which drifts between sizes minutes apart, cancels.
const patchRatio = (point: ScalePoint): number => point.barePatchMs.p50 / point.oneMatchMs.p50;

export function scaleFigures(points: readonly ScalePoint[], targets: ScaleTargets): Figure[] {
  const figures: Figure[] = [];
  const empty = points.find((point) => point.population === 0);
  for (const point of points) {
    const label = `${formatNumber(point.population)} ES`;
    if (point.cacheSyncMs !== undefined) {
      figures.push(
        figure({
          scenario: 'scale',
          name: `${label}: cache sync`,
          listener: formatMs(point.cacheSyncMs),
          baseline: `${formatMs(point.listMs)} (bare LIST)`,
          ratio: round(point.listMs / Math.max(point.cacheSyncMs, 1), 3),
          note: `ready ${formatMs(point.readyMs)} after spawn; LIST ${formatBytes(point.listBytes)} of JSON`,
        }),
      );
    }
    figures.push(memoryFigure(point, empty));
    figures.push(noMatchFigure(point, targets));
    if (point.oneMatchMs.count > 0) {
      figures.push(
        figure({
          scenario: 'scale',
          name: `${label}: one-match latency p50 / p99`,
          listener: `${formatMs(point.oneMatchMs.p50)} / ${formatMs(point.oneMatchMs.p99)}`,
          baseline: `${formatMs(point.barePatchMs.p50)} / ${formatMs(point.barePatchMs.p99)}`,
          ratio: round(patchRatio(point), 3),
          note: `n=${point.oneMatchMs.count}; ratio on p50 (bare keep-alive patch / listener)`,
        }),
      );
    }
  }
  const slopeFigure = oneMatchFlatness(points, targets);
  if (slopeFigure !== undefined) figures.push(slopeFigure);
  return figures;
}

function memoryFigure(point: ScalePoint, empty: ScalePoint | undefined): Figure {
  const growth =
    empty === undefined || point.population === 0 ? undefined : point.memory.rssBytes - empty.memory.rssBytes;
  return figure({
    scenario: 'scale',
    name: `${formatNumber(point.population)} ES: listener RSS (peak)`,
    listener: `${formatBytes(point.memory.rssBytes)} (${formatBytes(point.memory.peakRssBytes)})`,
    baseline: empty === undefined ? '' : `${formatBytes(empty.memory.rssBytes)} at 0 ES`,
    ...(empty === undefined ? {} : { ratio: round(empty.memory.rssBytes / point.memory.rssBytes, 3) }),
    ...(growth === undefined
      ? {}
      : {
          note:
            `${formatNumber(growth / point.population / 1024)} KiB per ExternalSecret over the empty listener ` +
            `(LIST JSON: ${formatNumber(point.listBytes / point.population / 1024)} KiB each; small sizes are within GC noise)`,
        }),
  });
}

function noMatchFigure(point: ScalePoint, targets: ScaleTargets): Figure {
  const cost = noMatchSummary(point);
  const ratio = round(cost.cpuRatio, 3);
  return figure({
    scenario: 'scale',
    name: `${formatNumber(point.population)} ES: no-match delivery p50 / p99, CPU`,
    listener: `${formatMs(cost.listener.p50)} / ${formatMs(cost.listener.p99)}, ${Math.round(cost.listener.cpuUs)} µs`,
    baseline: `${formatMs(cost.reference.p50)} / ${formatMs(cost.reference.p99)}, ${Math.round(cost.reference.cpuUs)} µs (0 ES)`,
    ratio,
    // At 0 ES both sides hold nothing: that row checks the method, not the listener.
    ...(point.population === 0
      ? {}
      : { check: { value: ratio, op: '>=' as const, limit: targets.flatTarget } }),
    note:
      `n=${cost.samples}, closed loop at concurrency 1, runs alternating with the same listener on an empty ` +
      `in-memory cluster; ratio on CPU per delivery (reference / this), median of ${point.noMatch.length} pairs; flat is 1`,
  });
}

/** One-match latency relative to a bare keep-alive patch, at the largest size over the smallest. */
function oneMatchFlatness(points: readonly ScalePoint[], targets: ScaleTargets): Figure | undefined {
  const measured = points.filter((point) => point.oneMatchMs.count > 0);
  const smallest = measured[0];
  const largest = measured.at(-1);
  if (smallest === undefined || largest === undefined || largest === smallest) return undefined;
  // Raw slopes do not cancel the machine's drift between sizes; they are for reading, not checking.
  const per10k = (pick: (point: ScalePoint) => number): number =>
    round(slope(measured.map((point) => ({ x: point.population / 10_000, y: pick(point) }))), 3);
  const flat = round(patchRatio(largest) / patchRatio(smallest), 3);
  return figure({
    scenario: 'scale',
    name: `one-match p50, ${formatNumber(largest.population)} vs ${formatNumber(smallest.population)} ES`,
    listener: `slope ${formatNumber(per10k((point) => point.oneMatchMs.p50))} ms per 10k ES`,
    baseline: `slope ${formatNumber(per10k((point) => point.barePatchMs.p50))} ms per 10k ES`,
    ratio: flat,
    check: { value: flat, op: '>=', limit: targets.flatTarget },
    note: `ratio: (bare keep-alive patch / listener p50) at ${formatNumber(largest.population)} ES over the same at ${formatNumber(smallest.population)} ES, flat is 1`,
  });
}

import type { RotationTiming } from '../delivery/rotation-timing.js';
import { figure, formatMs, formatNumber, type Figure } from '../report/figures.js';
import { round } from '../report/stats.js';
import { formatStatuses, RETRY_CLOCK_SCALE, type BurstRun } from './burst-scenario.js';

export interface BurstMeasurements {
  readonly runs: readonly BurstRun[];
  /** Before and after the rate-limit-off run, so linear drift cancels in their mean. */
  readonly baselines: readonly RotationTiming[];
}

export function burstFigures(measurements: BurstMeasurements, target: number): Figure[] {
  const figures: Figure[] = [];
  const baselineMs =
    measurements.baselines.reduce((sum, timing) => sum + timing.toLastAnnotationMs, 0) /
    Math.max(measurements.baselines.length, 1);
  for (const run of measurements.runs) {
    const label = `${formatNumber(run.rotations)} rotations in ${formatMs(run.sendWindowMs)} (${run.variant})`;
    const serverErrors = Object.entries(run.statuses)
      .filter(([status]) => status.startsWith('5') || !/^\d+$/.test(status))
      .reduce((sum, [, count]) => sum + count, 0);
    const backpressure = Object.entries(run.statuses)
      .filter(([status]) => status === '429')
      .reduce((sum, [, count]) => sum + count, 0);
    figures.push(
      figure({
        scenario: 'burst',
        name: `${label}: annotated`,
        listener: `${run.annotated}/${run.rotations}`,
        baseline: `${run.rotations}/${run.rotations}`,
        check: { value: run.annotated, op: '==', limit: run.rotations },
        note: `${run.acknowledged} deliveries acknowledged, ${run.retries} retries${run.failure === undefined ? '' : `; ${run.failure}`}`,
      }),
    );
    const isCapacityRun = run.rateLimit === 0;
    const ratio =
      run.toLastAnnotationMs === undefined ? Number.NaN : round(baselineMs / run.toLastAnnotationMs, 3);
    figures.push(
      figure({
        scenario: 'burst',
        name: `${label}: first send → last annotation`,
        listener: formatMs(run.toLastAnnotationMs ?? Number.NaN),
        baseline: isCapacityRun ? `${formatMs(baselineMs)} (bare patch loop)` : '',
        ...(isCapacityRun ? { ratio, check: { value: ratio, op: '>=' as const, limit: target } } : {}),
        ...(isCapacityRun
          ? {}
          : {
              note: `the rate limit admits ${run.rateLimit}/s by design; 429s are retried (Azure's delays × ${RETRY_CLOCK_SCALE})`,
            }),
      }),
    );
    figures.push(
      figure({
        scenario: 'burst',
        name: `${label}: per delivery p50 / p99`,
        listener: `${formatMs(run.firstAnswerMs.p50)} / ${formatMs(run.firstAnswerMs.p99)}`,
        note: `first attempt's answer; publish → acknowledged incl. retries: p50 ${formatMs(run.toAcknowledgedMs.p50)}, p99 ${formatMs(run.toAcknowledgedMs.p99)}`,
      }),
    );
    figures.push(
      figure({
        scenario: 'burst',
        name: `${label}: 5xx or failed answers`,
        listener: String(serverErrors),
        baseline: '0',
        check: { value: serverErrors, op: '==', limit: 0 },
        note: `statuses: ${formatStatuses(run.statuses)}${backpressure === 0 ? '' : ` (429 = backpressure by design, retried)`}`,
      }),
    );
  }
  return figures;
}

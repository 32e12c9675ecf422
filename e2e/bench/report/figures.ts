export type ScenarioName = 'ingest' | 'fanout' | 'scale' | 'burst';

export interface Check {
  readonly value: number;
  readonly op: '>=' | '<=' | '==';
  readonly limit: number;
}

/**
 * One row of the report. `ratio` is always listener performance over baseline performance, so higher
 * is better whatever the unit: throughput over throughput, or baseline time over listener time.
 */
export interface Figure {
  readonly scenario: ScenarioName;
  readonly name: string;
  readonly listener: string;
  readonly baseline: string;
  readonly ratio: number | undefined;
  /** `>= 0.8`, `== 100`; absent for figures reported without a target. */
  readonly target: string | undefined;
  readonly verdict: 'ok' | 'MISSED' | 'info';
  /** `MISSED: 0.72 < 0.8`; `ok`; or `info`. */
  readonly verdictText: string;
  /** What limits a missed figure (the profile's summary) or what else to know. */
  readonly note?: string;
}

export interface FigureInput {
  readonly scenario: ScenarioName;
  readonly name: string;
  readonly listener: string;
  readonly baseline?: string;
  readonly ratio?: number;
  readonly check?: Check;
  readonly note?: string;
}

const NEGATION = { '>=': '<', '<=': '>', '==': '!=' } as const;

export function figure(input: FigureInput): Figure {
  const base = {
    scenario: input.scenario,
    name: input.name,
    listener: input.listener,
    baseline: input.baseline ?? '',
    ratio: input.ratio,
    ...(input.note === undefined ? {} : { note: input.note }),
  };
  const check = input.check;
  if (check === undefined) return { ...base, target: undefined, verdict: 'info', verdictText: 'info' };
  const passed =
    Number.isFinite(check.value) &&
    (check.op === '>='
      ? check.value >= check.limit
      : check.op === '<='
        ? check.value <= check.limit
        : check.value === check.limit);
  return {
    ...base,
    target: `${check.op} ${check.limit}`,
    verdict: passed ? 'ok' : 'MISSED',
    verdictText: passed ? 'ok' : `MISSED: ${formatExact(check.value)} ${NEGATION[check.op]} ${check.limit}`,
  };
}

export function withNote(row: Figure, note: string): Figure {
  return { ...row, note: row.note === undefined ? note : `${row.note}; ${note}` };
}

/** Three decimals under 10, so a value just under its limit never prints as the limit itself. */
function formatExact(value: number): string {
  if (!Number.isFinite(value) || Math.abs(value) >= 10) return formatNumber(value);
  return String(Math.round(value * 1000) / 1000);
}

/** Two decimals under 10, whole numbers above, thousands separated: 0.83, 12, 4,210. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${formatNumber(ms / 1000)} s` : `${formatNumber(ms)} ms`;
}

export function formatBytes(bytes: number): string {
  return `${formatNumber(bytes / (1024 * 1024))} MiB`;
}

/**
 * The sum of a metric's samples whose labels include `labels`, from Prometheus' text format;
 * undefined when no sample matches (a counter never incremented has no labelled sample at all).
 */
export function metricValue(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const sample = parseSample(line);
    if (sample?.name !== name) continue;
    if (!Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) continue;
    sum = (sum ?? 0) + sample.value;
  }
  return sum;
}

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseSample(line: string): Sample | undefined {
  if (line.startsWith('#')) return undefined;
  const match = SAMPLE.exec(line);
  const [, name, labelText, value] = match ?? [];
  if (name === undefined || value === undefined) return undefined;
  const labels: Record<string, string> = {};
  for (const [, key, raw] of (labelText ?? '').matchAll(LABEL)) {
    if (key !== undefined && raw !== undefined) labels[key] = raw.replace(/\\(.)/g, '$1');
  }
  return { name, labels, value: Number(value) };
}

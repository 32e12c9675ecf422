import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatIssues } from '../../listener/eventgrid/index.js';

/** `namespace/name` of an ExternalSecret. */
const refSchema = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, 'must be namespace/name');

const annotationsSchema = z.record(z.string().min(1), z.string());

const annotatedEntrySchema = z.union([
  refSchema,
  z.strictObject({ ref: refSchema, annotations: annotationsSchema.optional() }),
]);

/**
 * A fixture's expected outcome, in a sidecar `NAME.expect.yaml` next to `NAME.json`. The default
 * `npm run simulate` run replays every fixture that has one, in `order`, and checks each field.
 */
export const expectationFileSchema = z.strictObject({
  /** The fixture, relative to this file (default: the same name with .json). */
  fixture: z.string().min(1).optional(),
  /** Replay order in the default run: lower first. */
  order: z.int().default(100),
  description: z.string().optional(),
  /** The subscription schema to deliver it with (default: the fixture folder's name when it is one). */
  schema: z.enum(['eventgrid', 'cloudevents']).optional(),
  delivery: z
    .strictObject({
      /** Status of the first attempt. */
      firstStatus: z.int().min(100).max(599).optional(),
      /** Final outcome of every delivery of the fixture. */
      outcome: z.enum(['acknowledged', 'deadLettered', 'dropped']).default('acknowledged'),
      /** The answer must carry {"validationResponse": this}. */
      validationResponse: z.string().optional(),
    })
    .default({ outcome: 'acknowledged' }),
  externalSecrets: z
    .strictObject({
      /** Must carry reloader/event-id of one of this fixture's events (and `annotations`, if given). */
      annotated: z.array(annotatedEntrySchema).default([]),
      /** Must not carry reloader/event-id of any of this fixture's events. */
      untouched: z.array(refSchema).default([]),
      /** Expected on every annotated entry unless it lists its own; reloader/last-rotated compares as instants. */
      annotations: annotationsSchema.default({}),
    })
    .optional(),
});
export type ExpectationFile = z.infer<typeof expectationFileSchema>;

export interface Expectation {
  /** The .expect.yaml path. */
  readonly file: string;
  /** The fixture path it describes. */
  readonly fixture: string;
  readonly schema: 'eventgrid' | 'cloudevents';
  readonly spec: ExpectationFile;
}

export class ExpectationFileError extends Error {
  readonly code = 'SIM_BAD_EXPECTATION';
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'ExpectationFileError';
  }
}

export const EXPECT_SUFFIX = '.expect.yaml';

export function parseExpectation(file: string, text: string): Expectation {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ExpectationFileError(
      file,
      `not YAML (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const parsed = expectationFileSchema.safeParse(raw);
  if (!parsed.success) throw new ExpectationFileError(file, formatIssues(parsed.error));
  const spec = parsed.data;
  const folder = basename(dirname(file));
  return {
    file,
    fixture: join(dirname(file), spec.fixture ?? `${basename(file, EXPECT_SUFFIX)}.json`),
    schema: spec.schema ?? (folder === 'cloudevents' ? 'cloudevents' : 'eventgrid'),
    spec,
  };
}

/** Every `*.expect.yaml` under `root`, sorted by order, then path. */
export async function findExpectations(root: string): Promise<Expectation[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(EXPECT_SUFFIX))
    .map((entry) => join(entry.parentPath, entry.name));
  const expectations: Expectation[] = [];
  for (const file of files) expectations.push(parseExpectation(file, await readFile(file, 'utf8')));
  return expectations.sort((a, b) => a.spec.order - b.spec.order || a.file.localeCompare(b.file));
}

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  cloudEventSchema,
  eventGridEventSchema,
  formatIssues,
  type EventGridEvent,
} from '../../listener/eventgrid/index.js';
import { fromCloudEvent } from './cloud-event-conversion.js';

/** A fixture that cannot be replayed; the message names the file and the field. */
export class FixtureError extends Error {
  readonly code = 'SIM_BAD_FIXTURE';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'FixtureError';
  }
}

// One schema per shape (not a union), so an error names the field instead of "Invalid input".
const eventGridListSchema = z.array(eventGridEventSchema).min(1);
const cloudEventListSchema = z.array(cloudEventSchema).min(1);

/**
 * The events a fixture holds: one event or an array, in the Event Grid schema or as CloudEvents
 * (converted, so either can be delivered in either schema).
 */
export function parseFixture(file: string, text: string, now: number): EventGridEvent[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FixtureError(file, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const list: unknown = Array.isArray(json) ? json : [json];
  const first: unknown = Array.isArray(list) ? list[0] : undefined;
  if (typeof first === 'object' && first !== null && 'specversion' in first) {
    const parsed = cloudEventListSchema.safeParse(list);
    if (!parsed.success) throw new FixtureError(file, formatIssues(parsed.error, 'events'));
    return parsed.data.map((event) => fromCloudEvent(event, now));
  }
  const parsed = eventGridListSchema.safeParse(list);
  if (!parsed.success) throw new FixtureError(file, formatIssues(parsed.error, 'events'));
  return parsed.data;
}

export async function loadFixture(file: string, now: number): Promise<EventGridEvent[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new FixtureError(file, `cannot read (${error instanceof Error ? error.message : String(error)})`);
  }
  return parseFixture(file, text, now);
}

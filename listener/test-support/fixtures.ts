import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** A JSON fixture, parsed fresh for each caller so tests can mutate it freely. */
export function jsonFixture(path: string): unknown {
  return JSON.parse(readFileSync(`${FIXTURES}${path}`, 'utf8')) as unknown;
}

export function yamlFixture(path: string): unknown[] {
  return parseAllDocuments(readFileSync(`${FIXTURES}${path}`, 'utf8')).map(
    (document) => document.toJS() as unknown,
  );
}

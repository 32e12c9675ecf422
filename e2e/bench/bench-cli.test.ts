import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { parseBenchCli } from './bench-cli.js';

const run = (argv: string[]) => {
  const result = parseBenchCli(argv, '/repo/e2e/bench');
  if (result.kind !== 'run') throw new Error(`expected a run, got ${JSON.stringify(result)}`);
  return result.options;
};

describe('npm run bench flags', () => {
  it('a full run keeps its results in e2e/bench; a quick one beside them, never over them', () => {
    expect(run([]).outDirectory).toBe('/repo/e2e/bench');
    expect(run(['--quick']).outDirectory).toBe(join('/repo/e2e/bench', 'quick'));
    expect(run(['--quick', '--out', '/tmp/b']).outDirectory).toBe('/tmp/b');
  });

  it('runs every scenario in order unless --only names some', () => {
    expect(run([]).scenarios).toEqual(['ingest', 'fanout', 'scale', 'burst']);
    expect(run(['--only', 'burst,ingest']).scenarios).toEqual(['ingest', 'burst']);
  });

  it('refuses what it does not know, naming it', () => {
    expect(parseBenchCli(['--only', 'ingest,warp'], '/x')).toEqual({
      kind: 'error',
      message: '--only takes scenarios from ingest, fanout, scale, burst; got warp',
    });
    expect(parseBenchCli(['--fast'], '/x')).toMatchObject({ kind: 'error' });
  });
});

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function lines(): { stream: Writable; records: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const records = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, records };
}

describe('createLogger', () => {
  it('logs JSON to a terminal, after one warning, when pino-pretty is not installed (npm ci --omit=dev)', () => {
    const { stream, records } = lines();
    const logger = createLogger({
      level: 'info',
      pretty: true,
      resolvePretty: () => undefined,
      destination: stream,
    });
    logger.info({ req: { headers: { authorization: 'Bearer secret' } } }, 'started');
    expect(records()).toMatchObject([
      { level: 40, msg: expect.stringContaining('pino-pretty is not installed') as unknown },
      { level: 30, msg: 'started', req: { headers: { authorization: '[redacted]' } } },
    ]);
  });

  it('writes JSON without a warning when not at a terminal, never looking for pino-pretty', () => {
    const { stream, records } = lines();
    const logger = createLogger({
      level: 'info',
      pretty: false,
      resolvePretty: () => {
        throw new Error('looked for pino-pretty');
      },
      destination: stream,
    });
    logger.info('started');
    expect(records()).toMatchObject([{ level: 30, msg: 'started', service: 'eventgrid-reloader' }]);
  });
});

import { Writable } from 'node:stream';

import pino from 'pino';
import { describe, expect, it } from 'vitest';

import { boundLogger } from './bound-logger.js';

function capture(level: pino.LevelWithSilent = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino(
    { level, base: { service: 's' }, redact: { paths: ['token'], censor: '[redacted]' } },
    stream,
  );
  return { logger, lines };
}

describe('boundLogger', () => {
  it('writes its bindings, its children’s and the call’s on each line, redacted like the base', () => {
    const { logger, lines } = capture();
    const log = boundLogger(logger, { reqId: 'r1' }).child({ subscription: 'sub' });
    log.info({ matched: 2, token: 'secret' }, 'delivery acknowledged');
    log.warn('plain %s', 'message');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        service: 's',
        reqId: 'r1',
        subscription: 'sub',
        matched: 2,
        token: '[redacted]',
        msg: 'delivery acknowledged',
      }),
      expect.objectContaining({ level: 40, reqId: 'r1', subscription: 'sub', msg: 'plain message' }),
    ]);
  });

  it('logs an Error as err, with its message and stack', () => {
    const { logger, lines } = capture();
    boundLogger(logger, { reqId: 'r2' }).error(new Error('boom'));
    expect(lines[0]).toMatchObject({ level: 50, reqId: 'r2', err: { message: 'boom', type: 'Error' } });
    expect(String((lines[0]?.['err'] as { stack?: unknown } | undefined)?.stack)).toContain('boom');
  });

  it('writes nothing below the level, and follows level changes', () => {
    const { logger, lines } = capture('warn');
    const log = boundLogger(logger, { reqId: 'r3' });
    log.info('not written');
    log.debug({ a: 1 }, 'not written either');
    expect(lines).toEqual([]);
    log.level = 'debug';
    expect(logger.level).toBe('debug');
    log.debug('now written');
    expect(lines.map((line) => line['msg'])).toEqual(['now written']);
  });
});

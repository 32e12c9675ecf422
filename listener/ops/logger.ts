import pino, { type Logger, type LevelWithSilent } from 'pino';

/**
 * JSON logs for machines, pretty ones only when a person watches a terminal. Anything that could carry
 * a secret (auth headers, query-string codes) is redacted.
 */
export function createLogger(options: { level: LevelWithSilent; pretty: boolean }): Logger {
  return pino({
    level: options.level,
    base: { service: 'eventgrid-reloader' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["aeg-sas-key"]',
        'req.headers["aeg-sas-token"]',
        'headers.authorization',
        'token',
        'req.query',
      ],
      censor: '[redacted]',
    },
    ...(options.pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l' } } }
      : {}),
  });
}

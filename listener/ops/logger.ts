import { createRequire } from 'node:module';
import pino, { type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

export interface LoggerOptions {
  readonly level: LevelWithSilent;
  /** Pretty lines for a person at a terminal, when pino-pretty is installed. */
  readonly pretty: boolean;
  /** Where pino-pretty is, or undefined when it is not installed; a seam for tests. */
  readonly resolvePretty?: () => string | undefined;
  /** Where JSON lines go (default stdout); a seam for tests. */
  readonly destination?: DestinationStream;
}

/**
 * JSON logs for machines, pretty ones only when a person watches a terminal. Anything that could carry
 * a secret (auth headers, query-string codes) is redacted.
 */
export function createLogger(options: LoggerOptions): Logger {
  // pino-pretty is a devDependency: the production image has none, and `docker run -t` must still start.
  const prettyTarget = options.pretty ? (options.resolvePretty ?? resolvePrettyTarget)() : undefined;
  const settings = {
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
  };
  if (prettyTarget !== undefined) {
    return pino({
      ...settings,
      transport: { target: prettyTarget, options: { colorize: true, translateTime: 'HH:MM:ss.l' } },
    });
  }
  const logger = options.destination === undefined ? pino(settings) : pino(settings, options.destination);
  if (options.pretty) logger.warn('pino-pretty is not installed; logging JSON to the terminal');
  return logger;
}

function resolvePrettyTarget(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('pino-pretty');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

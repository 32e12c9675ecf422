import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, LevelWithSilent, LogFn } from 'pino';

type Level = Exclude<LevelWithSilent, 'silent'>;
const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * A logger that adds `bindings` to each line it writes, for fastify's per-request logger. A pino
 * child would do the same, but creating one rebuilds its level methods: at thousands of deliveries a
 * second, the children fastify and the routes made per request were a sixth of a no-match delivery's
 * CPU (e2e/bench ingest profile), while most requests write one line or none. Here a child is an
 * object spread, and a line below the level costs a comparison.
 */
export function boundLogger(logger: FastifyBaseLogger, bindings: Bindings): FastifyBaseLogger {
  const bound = {
    get level() {
      return logger.level;
    },
    set level(level: string) {
      logger.level = level;
    },
    child: (more: Bindings) => boundLogger(logger, { ...bindings, ...more }),
    silent: logger.silent,
  } as FastifyBaseLogger;
  for (const level of LEVELS) bound[level] = write(logger, level, bindings);
  return bound;
}

function write(logger: FastifyBaseLogger, level: Level, bindings: Bindings): LogFn {
  const log = (first?: unknown, ...rest: unknown[]): void => {
    // isLevelEnabled is pino's; fastify's abstract logger type does not promise it.
    const enabled = (logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
    if (enabled !== undefined && !enabled.call(logger, level)) return;
    const emit = logger[level];
    if (first instanceof Error) Reflect.apply(emit, logger, [{ ...bindings, err: first }, ...rest]);
    else if (typeof first === 'object' && first !== null)
      Reflect.apply(emit, logger, [{ ...bindings, ...first }, ...rest]);
    else Reflect.apply(emit, logger, [bindings, first, ...rest]);
  };
  return log;
}

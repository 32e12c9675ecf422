import { eventuallyDefined } from './eventually.js';

/** One line of the listener's JSON log (pino): level 30 info, 40 warn, 50 error. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export const LogLevel = { info: 30, warn: 40, error: 50 } as const;

/**
 * Everything the listener printed, parsed back into objects, so tests can assert on what operators
 * would see ("the listener logs the FORBIDDEN failure") rather than on its internals.
 */
export class LogBook {
  readonly lines: LogLine[] = [];

  add(raw: string, stream: 'stdout' | 'stderr'): void {
    if (raw.trim() === '') return;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed === 'object' && parsed !== null && 'level' in parsed && 'msg' in parsed) {
        const { level, msg } = parsed;
        if (typeof level === 'number' && typeof msg === 'string') {
          this.lines.push({ ...parsed, level, msg });
          return;
        }
      }
    } catch (error: unknown) {
      // Not JSON: a crash trace or a Node warning on stderr. Kept as text below, so it still shows.
      if (!(error instanceof SyntaxError)) throw error;
    }
    this.lines.push({ level: stream === 'stderr' ? LogLevel.error : LogLevel.info, msg: raw, raw: true });
  }

  filter(predicate: (line: LogLine) => boolean): LogLine[] {
    return this.lines.filter(predicate);
  }

  withMessage(msg: string): LogLine[] {
    return this.filter((line) => line.msg === msg);
  }

  /** Waits for a matching line; on timeout the error carries the log's tail. */
  async waitFor(predicate: (line: LogLine) => boolean, what: string, timeoutMs = 30_000): Promise<LogLine> {
    try {
      return await eventuallyDefined(() => Promise.resolve(this.lines.find(predicate)), {
        what: `listener log: ${what}`,
        timeoutMs,
      });
    } catch (error: unknown) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${this.tail()}`, {
        cause: error,
      });
    }
  }

  /** The last lines, indented, for error messages. */
  tail(count = 40): string {
    const last = this.lines.slice(-count);
    return [
      `  --- last ${last.length} listener log lines`,
      ...last.map((line) => `  ${JSON.stringify(line)}`),
    ].join('\n');
  }
}

import { parseArgs, type ParseArgsConfig } from 'node:util';

export type FlagOptions = NonNullable<ParseArgsConfig['options']>;
import { UsageError } from './usage-error.js';

export interface ParsedFlags {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: readonly string[];
}

/** node:util parseArgs, strict, with errors that name the flag and the command. */
export function parseFlags(
  command: string,
  argv: readonly string[],
  options: FlagOptions,
  allowPositionals: boolean,
): ParsedFlags {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals });
    return { values, positionals };
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    throw new UsageError(describeParseError(error), command);
  }
}

function describeParseError(error: Error): string {
  const flag = /'(-{1,2}[^'\s]+)/.exec(error.message)?.[1];
  const code = 'code' in error ? String(error.code) : '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) return `unknown flag ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
    return `${flag.replace(/^-[a-z], /, '')} needs a value`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return `unexpected argument: ${error.message.split("'")[1] ?? ''}`;
  return error.message;
}

export class FlagReader {
  constructor(
    private readonly command: string,
    private readonly flags: ParsedFlags,
  ) {}

  string(name: string): string | undefined {
    const value = this.flags.values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new UsageError(`--${name} needs a value`, this.command);
    return value;
  }

  strings(name: string): string[] {
    const value = this.flags.values[name];
    if (value === undefined) return [];
    if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
    return typeof value === 'string' ? [value] : [];
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw new UsageError(`--${name} is required`, this.command);
    return value;
  }

  boolean(name: string): boolean {
    return this.flags.values[name] === true;
  }

  integer(name: string, range: { min: number; max: number }): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || value < range.min || value > range.max) {
      throw new UsageError(
        `--${name} must be an integer from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}`,
        this.command,
      );
    }
    return value;
  }

  number(name: string, range: { min: number; max: number; exclusiveMin?: boolean }): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    const tooLow = range.exclusiveMin === true ? value <= range.min : value < range.min;
    if (raw.trim() === '' || !Number.isFinite(value) || tooLow || value > range.max) {
      const lower = range.exclusiveMin === true ? `above ${range.min}` : `from ${range.min}`;
      throw new UsageError(
        `--${name} must be a number ${lower} up to ${range.max}, got ${JSON.stringify(raw)}`,
        this.command,
      );
    }
    return value;
  }

  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const found = choices.find((choice) => choice === raw);
    if (found === undefined) {
      throw new UsageError(
        `--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`,
        this.command,
      );
    }
    return found;
  }
}

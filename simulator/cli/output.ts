/** The process streams a command writes to; tests pass collectors instead. */
export interface CommandIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const processIO: CommandIO = {
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
};

/** Where a command writes: progress lines, and the final result (stdout). */
export interface Output {
  progress(line: string): void;
  result(text: string): void;
  error(line: string): void;
}

/** With --json, stdout carries only the JSON report, so progress moves to stderr. */
export function createOutput(io: CommandIO, json: boolean): Output {
  return {
    progress: (line) => {
      (json ? io.stderr : io.stdout)(`${line}\n`);
    },
    result: (text) => {
      io.stdout(text.endsWith('\n') ? text : `${text}\n`);
    },
    error: (line) => {
      io.stderr(`${line}\n`);
    },
  };
}

/** A command line that cannot run; the message names the flag or field. Exit code 2. */
export class UsageError extends Error {
  readonly code = 'SIM_USAGE';
  constructor(
    message: string,
    /** The command whose --help explains the fix. */
    readonly command: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

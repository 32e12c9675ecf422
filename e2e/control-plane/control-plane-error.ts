/** Stable codes so callers (the cluster providers, the CLI) can tell failures apart without parsing text. */
export type ControlPlaneErrorCode =
  | 'GO_MISSING'
  | 'BUILD_FAILED'
  | 'OPENSSL_FAILED'
  | 'PROCESS_EXITED'
  | 'START_TIMEOUT'
  | 'NOT_RUNNING'
  | 'ALREADY_RUNNING';

export class ControlPlaneError extends Error {
  override readonly name = 'ControlPlaneError';
  constructor(
    readonly code: ControlPlaneErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Stable codes for Kubernetes failures; the webhook maps them to Event Grid's retry contract. */
export type ClusterErrorCode =
  'NOT_FOUND' | 'FORBIDDEN' | 'UNAUTHORIZED' | 'INVALID' | 'CONFLICT' | 'THROTTLED' | 'UNAVAILABLE';

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
    readonly status: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  static fromStatus(status: number | undefined, message: string, cause?: unknown): ClusterError {
    const code = codeForStatus(status);
    return new ClusterError(code, message, status, cause === undefined ? undefined : { cause });
  }
}

const CODES: Readonly<Record<number, ClusterErrorCode>> = {
  404: 'NOT_FOUND',
  403: 'FORBIDDEN',
  401: 'UNAUTHORIZED',
  400: 'INVALID',
  422: 'INVALID',
  409: 'CONFLICT',
  429: 'THROTTLED',
};

/** Anything else — 5xx, timeouts, refused connections — is the API server being unavailable. */
function codeForStatus(status: number | undefined): ClusterErrorCode {
  return (status === undefined ? undefined : CODES[status]) ?? 'UNAVAILABLE';
}

/** Stable codes for Kubernetes failures; the webhook maps them to Event Grid's retry contract. */
export type ClusterErrorCode =
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHORIZED'
  | 'INVALID'
  | 'CONFLICT'
  | 'THROTTLED'
  | 'UNAVAILABLE';

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

function codeForStatus(status: number | undefined): ClusterErrorCode {
  switch (status) {
    case 404:
      return 'NOT_FOUND';
    case 403:
      return 'FORBIDDEN';
    case 401:
      return 'UNAUTHORIZED';
    case 400:
    case 422:
      return 'INVALID';
    case 409:
      return 'CONFLICT';
    case 429:
      return 'THROTTLED';
    default:
      return 'UNAVAILABLE';
  }
}

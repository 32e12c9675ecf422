/**
 * Stable error codes of the webhook. The status is the retry contract with Event Grid: 400/403/413 are
 * never retried (the delivery is dead-lettered), 429/503 are retried with backoff.
 */
export const ErrorCode = {
  INVALID_JSON: 400,
  INVALID_DELIVERY: 400,
  UNSUPPORTED_MEDIA_TYPE: 400,
  MISSING_SUBSCRIPTION_HEADER: 400,
  MISSING_WEBHOOK_ORIGIN: 400,
  SUBSCRIPTION_MISMATCH: 403,
  ORIGIN_NOT_ALLOWED: 403,
  UNAUTHENTICATED: 401,
  CALLER_NOT_ALLOWED: 403,
  AUTH_UNAVAILABLE: 503,
  UNKNOWN_PATH: 404,
  METHOD_NOT_ALLOWED: 405,
  BODY_TOO_LARGE: 413,
  TOO_MANY_EVENTS: 413,
  SATURATED: 429,
  RATE_LIMITED: 429,
  NOT_READY: 503,
  KUBERNETES_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
} as const;
export type ErrorCode = keyof typeof ErrorCode;

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.statusCode = ErrorCode[code];
  }
}

/** The body of every error answer: a stable code, and the message only below 500. */
export function errorBody(code: string, status: number, message: string): { code: string; message: string } {
  return { code, message: status < 500 ? message : 'internal error' };
}

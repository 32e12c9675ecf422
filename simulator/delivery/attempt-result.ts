/** What one HTTP request to a webhook came to. */
export type AttemptResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      /** The first few KB of the answer: enough to read a validationResponse or an error message. */
      readonly body: string;
    }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'network'; readonly code: string; readonly message: string };

/**
 * `lastDeliveryOutcome` as Azure writes it in dead-letter records. NotFound, Unauthorized, BadRequest,
 * TimedOut and Busy appear in captures and docs; the others follow the same naming.
 */
export function deliveryOutcome(result: AttemptResult): string {
  switch (result.kind) {
    case 'timeout':
      return 'TimedOut';
    case 'network':
      return 'GenericError';
    case 'response':
      return outcomeForStatus(result.status);
  }
}

function outcomeForStatus(status: number): string {
  if (status >= 200 && status <= 204) return 'Succeeded';
  switch (status) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 408:
      return 'TimedOut';
    case 409:
      return 'Conflict';
    case 413:
      return 'PayloadTooLarge';
    case 429:
    case 503:
      return 'Busy';
    default:
      return 'GenericError';
  }
}

/** A short human description for progress lines: `503`, `timeout`, `ECONNREFUSED`. */
export function describeResult(result: AttemptResult): string {
  switch (result.kind) {
    case 'response':
      return String(result.status);
    case 'timeout':
      return 'timeout';
    case 'network':
      return result.code;
  }
}

export function statusOf(result: AttemptResult): number | undefined {
  return result.kind === 'response' ? result.status : undefined;
}

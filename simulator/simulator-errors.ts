/** Publishes above Azure's limit (1 MB per event and per request) or with invalid events. */
export class PublishError extends Error {
  constructor(
    readonly code: 'SIM_PAYLOAD_TOO_LARGE' | 'SIM_INVALID_EVENT',
    message: string,
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

export class SubscriptionError extends Error {
  constructor(
    readonly code: 'SIM_BAD_SUBSCRIPTION' | 'SIM_TARGET_NOT_ALLOWED' | 'SIM_DUPLICATE_SUBSCRIPTION',
    message: string,
  ) {
    super(message);
    this.name = 'SubscriptionError';
  }
}

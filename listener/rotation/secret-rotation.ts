/** A new version of a Key Vault secret, as one delivered event announces it. */
export interface SecretRotation {
  readonly vault: string | undefined;
  readonly name: string;
  readonly version: string | undefined;
  readonly eventId: string;
  readonly eventType: string;
  /** The event's time, RFC 3339 (the time it arrived when the event carries none). */
  readonly time: string;
}

import type { SecretRotation } from './secret-rotation.js';

// The Reloader's own keys, so tooling that reads them keeps working.
export const LAST_ROTATED = 'reloader/last-rotated';
export const TRIGGER_SOURCE = 'reloader/trigger-source';
export const TRIGGER_SOURCE_VALUE = 'AzureEventGrid';
// Ours: which version and which event caused the re-sync, for tracing a rotation end to end.
export const SECRET_VERSION = 'reloader/secret-version';
export const EVENT_ID = 'reloader/event-id';
export const SECRET_NAME = 'reloader/secret';

/**
 * The annotations a rotation writes. They depend only on the event, so a redelivered event writes the
 * same values and the API server records no change.
 */
export function rotationAnnotations(rotation: SecretRotation): Record<string, string> {
  const secret = rotation.vault === undefined ? rotation.name : `${rotation.vault}/${rotation.name}`;
  return {
    [LAST_ROTATED]: rotation.time,
    [TRIGGER_SOURCE]: TRIGGER_SOURCE_VALUE,
    [SECRET_NAME]: secret,
    [SECRET_VERSION]: rotation.version ?? '',
    [EVENT_ID]: rotation.eventId,
  };
}

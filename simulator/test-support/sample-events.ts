import type { EventGridEvent } from '../../listener/eventgrid/index.js';
import { buildKeyVaultEvent, KeyVaultEventType, vaultLocation } from '../events/key-vault-event.js';

let counter = 0;

/** A SecretNewVersionCreated for `name` in kv-prod, with a fresh id and version each call. */
export function secretNewVersion(
  name = 'db-password',
  overrides: Partial<EventGridEvent> = {},
): EventGridEvent {
  counter++;
  const suffix = counter.toString(16).padStart(12, '0');
  return {
    ...buildKeyVaultEvent({
      location: vaultLocation('kv-prod'),
      type: KeyVaultEventType.SecretNewVersionCreated,
      objectType: 'Secret',
      name,
      version: `00000000000000000000${suffix}`,
      notBefore: null,
      expires: null,
      id: `00000000-0000-4000-8000-${suffix}`,
      time: Date.UTC(2026, 11, 1, 10, 0, 0),
    }),
    ...overrides,
  };
}

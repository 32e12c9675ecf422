import type { EventGridEvent } from '../../listener/eventgrid/index.js';
import {
  EVENT_ID,
  LAST_ROTATED,
  SECRET_NAME,
  SECRET_VERSION,
  TRIGGER_SOURCE,
} from '../../listener/rotation/annotations.js';
import {
  buildKeyVaultEvent,
  cryptoRandom,
  KeyVaultEventType,
  randomGuid,
  randomKeyVaultVersion,
  vaultLocation,
} from '../../simulator/index.js';

export const VAULT = 'kv-e2e';

/** One Key Vault rotation a test sends, with what it must leave on the ExternalSecrets it matches. */
export interface Rotation {
  readonly vault: string;
  readonly secret: string;
  readonly version: string;
  readonly eventId: string;
  /** The event's time, which becomes reloader/last-rotated. */
  readonly time: Date;
  /** Event Grid schema, as Key Vault publishes it. */
  readonly event: EventGridEvent;
}

export function rotation(
  secret: string,
  options: { readonly vault?: string; readonly type?: KeyVaultEventType; readonly time?: Date } = {},
): Rotation {
  const vault = options.vault ?? VAULT;
  const version = randomKeyVaultVersion(cryptoRandom);
  const eventId = randomGuid(cryptoRandom);
  // Whole milliseconds: Azure's seven fractional digits carry nothing more in these events.
  const time = options.time ?? new Date(Math.floor(Date.now()));
  const event = buildKeyVaultEvent({
    location: vaultLocation(vault),
    type: options.type ?? KeyVaultEventType.SecretNewVersionCreated,
    objectType: 'Secret',
    name: secret,
    version,
    notBefore: null,
    expires: null,
    id: eventId,
    time: time.getTime(),
  });
  return { vault, secret, version, eventId, time, event };
}

/**
 * The annotations a rotation must leave, spelled out from the event rather than computed by the
 * listener's own function: the keys are the listener's (listener/rotation/annotations.ts), the values
 * what the README promises operators.
 */
export function expectedAnnotations(sent: Rotation): Record<string, string> {
  return {
    [TRIGGER_SOURCE]: 'AzureEventGrid',
    [SECRET_NAME]: `${sent.vault}/${sent.secret}`,
    [SECRET_VERSION]: sent.version,
    [EVENT_ID]: sent.eventId,
    [LAST_ROTATED]: sent.time.toISOString(),
  };
}

/** Whether an ExternalSecret carries this rotation's annotations. */
export function carriesRotation(annotations: Readonly<Record<string, string>>, sent: Rotation): boolean {
  return Object.entries(expectedAnnotations(sent)).every(([key, value]) => annotations[key] === value);
}

/** Only the listener's reloader/* annotations, for readable assertion failures. */
export function reloaderAnnotations(annotations: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations).filter(([key]) => key.startsWith('reloader/')));
}

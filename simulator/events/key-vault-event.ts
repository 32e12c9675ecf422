import {
  eventGridEventSchema,
  KeyVaultEventType,
  keyVaultWireDataSchema,
  type EventGridEvent,
  type KeyVaultWireData,
} from '../../listener/eventgrid/index.js';
import { formatAzureTime } from './azure-time.js';
import { selfCheck } from './self-check.js';

/** Where a vault lives in Azure: it names the event's topic. */
export interface VaultLocation {
  readonly azureSubscriptionId: string;
  readonly resourceGroup: string;
  readonly vault: string;
  /** DNS suffix of the vault host; sovereign clouds use others (vault.azure.cn, vault.usgovcloudapi.net). */
  readonly dnsSuffix: string;
}

export const DEFAULT_AZURE_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
export const DEFAULT_RESOURCE_GROUP = 'rg-secrets';
export const DEFAULT_VAULT_DNS_SUFFIX = 'vault.azure.net';

export function vaultLocation(
  vault: string,
  overrides: Partial<Omit<VaultLocation, 'vault'>> = {},
): VaultLocation {
  return {
    azureSubscriptionId: overrides.azureSubscriptionId ?? DEFAULT_AZURE_SUBSCRIPTION_ID,
    resourceGroup: overrides.resourceGroup ?? DEFAULT_RESOURCE_GROUP,
    vault,
    dnsSuffix: overrides.dnsSuffix ?? DEFAULT_VAULT_DNS_SUFFIX,
  };
}

/** The vault's resource id: the `topic` of its events (the `source` when delivered as CloudEvents). */
export function vaultTopic(location: VaultLocation): string {
  return (
    `/subscriptions/${location.azureSubscriptionId}/resourceGroups/${location.resourceGroup}` +
    `/providers/Microsoft.KeyVault/vaults/${location.vault}`
  );
}

export type KeyVaultObjectType = KeyVaultWireData['ObjectType'];

const COLLECTION: Record<KeyVaultObjectType, string> = {
  Secret: 'secrets',
  Key: 'keys',
  Certificate: 'certificates',
};

// Vault names: 3–24 letters, digits and dashes; object names: 1–127 letters, digits and dashes.
export const VAULT_NAME = /^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;
export const OBJECT_NAME = /^[0-9A-Za-z-]{1,127}$/;

export interface KeyVaultEventInput {
  readonly location: VaultLocation;
  readonly type: KeyVaultEventType;
  readonly objectType: KeyVaultObjectType;
  readonly name: string;
  readonly version: string;
  /** Unix seconds, or null when unset (that is how Azure sends them). */
  readonly notBefore: number | null;
  readonly expires: number | null;
  readonly id: string;
  readonly time: number;
}

/**
 * A Key Vault event exactly as Azure delivers it: `subject` is the object name, data names are
 * PascalCase, `Id` is the versioned object URL, NBF/EXP are Unix seconds or null.
 */
export function buildKeyVaultEvent(input: KeyVaultEventInput): EventGridEvent {
  const { location } = input;
  const data: KeyVaultWireData = selfCheck(
    keyVaultWireDataSchema,
    {
      Id: `https://${location.vault}.${location.dnsSuffix}/${COLLECTION[input.objectType]}/${input.name}/${input.version}`,
      VaultName: location.vault,
      ObjectType: input.objectType,
      ObjectName: input.name,
      Version: input.version,
      NBF: input.notBefore,
      EXP: input.expires,
    },
    'Key Vault event data',
  );
  return selfCheck(
    eventGridEventSchema,
    {
      id: input.id,
      topic: vaultTopic(location),
      subject: input.name,
      eventType: input.type,
      eventTime: formatAzureTime(input.time),
      data,
      dataVersion: '1',
      metadataVersion: '1',
    },
    'Key Vault event',
  );
}

export { KeyVaultEventType };

import { z } from 'zod';
import { MAX_TEXT_LENGTH } from './event-grid-event.js';

export const KEY_VAULT_EVENT_PREFIX = 'Microsoft.KeyVault.';

export const KeyVaultEventType = {
  SecretNewVersionCreated: 'Microsoft.KeyVault.SecretNewVersionCreated',
  SecretNearExpiry: 'Microsoft.KeyVault.SecretNearExpiry',
  SecretExpired: 'Microsoft.KeyVault.SecretExpired',
  KeyNewVersionCreated: 'Microsoft.KeyVault.KeyNewVersionCreated',
  KeyNearExpiry: 'Microsoft.KeyVault.KeyNearExpiry',
  KeyExpired: 'Microsoft.KeyVault.KeyExpired',
  CertificateNewVersionCreated: 'Microsoft.KeyVault.CertificateNewVersionCreated',
  CertificateNearExpiry: 'Microsoft.KeyVault.CertificateNearExpiry',
  CertificateExpired: 'Microsoft.KeyVault.CertificateExpired',
  VaultAccessPolicyChanged: 'Microsoft.KeyVault.VaultAccessPolicyChanged',
} as const;
export type KeyVaultEventType = (typeof KeyVaultEventType)[keyof typeof KeyVaultEventType];

/** Unix seconds as Azure sends them: a number, sometimes a numeric string, or null. */
const unixSecondsSchema = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?$/, 'must be numeric'),
    z.null(),
  ])
  .optional()
  .transform((value) => (value === undefined || value === null ? null : Number(value)));

/**
 * Key Vault event data exactly as Azure puts it on the wire (PascalCase). The simulator builds with it;
 * the listener reads with the lenient {@link keyVaultDataSchema} instead.
 */
export const keyVaultWireDataSchema = z.strictObject({
  Id: z.url(),
  VaultName: z.string().min(1),
  ObjectType: z.enum(['Secret', 'Key', 'Certificate']),
  ObjectName: z.string().min(1),
  Version: z.string().min(1),
  NBF: z.number().nullable(),
  EXP: z.number().nullable(),
});
export type KeyVaultWireData = z.infer<typeof keyVaultWireDataSchema>;

const FIELDS = {
  id: 'id',
  vaultname: 'vaultName',
  objecttype: 'objectType',
  objectname: 'objectName',
  version: 'version',
  nbf: 'nbf',
  exp: 'exp',
} as const;

/**
 * Azure's own samples disagree on the case of data field names (and one has a trailing space), so names
 * are trimmed and compared case-insensitively. Only known names are copied, into a fresh object: a
 * `__proto__` key in the payload can reach nothing.
 */
function canonicaliseKeys(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const lower = key.trim().toLowerCase();
    const canonical = Object.hasOwn(FIELDS, lower) ? FIELDS[lower as keyof typeof FIELDS] : undefined;
    if (canonical !== undefined && !(canonical in out)) out[canonical] = value;
  }
  return out;
}

const optionalText = z.string().trim().min(1).max(MAX_TEXT_LENGTH).optional();
const objectNameSchema = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z-]{1,127}$/, 'must be a Key Vault object name (1–127 letters, digits, hyphens)')
  .optional();
const versionSchema = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z]{1,64}$/, 'must be a Key Vault version (letters and digits)')
  .optional();

export const keyVaultDataSchema = z.preprocess(
  canonicaliseKeys,
  z.object({
    id: optionalText,
    vaultName: z
      .string()
      .trim()
      .regex(/^[0-9A-Za-z-]{1,63}$/, 'must be a vault name')
      .optional(),
    objectType: optionalText,
    objectName: objectNameSchema,
    version: versionSchema,
    nbf: unixSecondsSchema,
    exp: unixSecondsSchema,
  }),
);
export type KeyVaultData = z.infer<typeof keyVaultDataSchema>;

export type KeyVaultCollection = 'secrets' | 'keys' | 'certificates';

export interface KeyVaultObjectId {
  /** Vault name: the first DNS label of the vault host. */
  readonly vault: string;
  /** The vault's host, e.g. `kv-prod.vault.azure.net` (sovereign clouds use other suffixes). */
  readonly vaultHost: string;
  readonly collection: KeyVaultCollection;
  readonly name: string;
  readonly version: string | undefined;
}

// Key Vault object names: 1–127 characters of letters, digits and dashes.
const OBJECT_NAME = /^[0-9A-Za-z-]{1,127}$/;

/** Parses `https://{vault}.{suffix}/{secrets|keys|certificates}/{name}[/{version}]`, or returns undefined. */
export function parseKeyVaultObjectId(id: string): KeyVaultObjectId | undefined {
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:') return undefined;
  const [collection, name, version, ...rest] = url.pathname.split('/').filter((part) => part !== '');
  if (collection !== 'secrets' && collection !== 'keys' && collection !== 'certificates') return undefined;
  if (name === undefined || !OBJECT_NAME.test(name) || rest.length > 0) return undefined;
  const vault = url.hostname.split('.')[0] ?? '';
  if (vault === '') return undefined;
  return { vault, vaultHost: url.hostname, collection, name, version: version === '' ? undefined : version };
}

const SUBJECT_OBJECT = /\/(?:secrets|keys|certificates)\/([0-9A-Za-z-]{1,127})(?:\/|$)/;

/** The object a Key Vault event is about. */
export interface KeyVaultObject {
  readonly vault: string | undefined;
  readonly name: string;
  readonly version: string | undefined;
  readonly objectType: string | undefined;
}

/**
 * Which object an event names: `data.Id` first (it is the only complete reference), then
 * `data.ObjectName`, then the subject (the object name, or a path that contains it).
 */
export function identifyKeyVaultObject(subject: string, data: KeyVaultData): KeyVaultObject | undefined {
  const fromId = data.id === undefined ? undefined : parseKeyVaultObjectId(data.id);
  if (fromId !== undefined) {
    return {
      vault: fromId.vault,
      name: fromId.name,
      version: fromId.version ?? data.version,
      objectType: data.objectType ?? collectionToObjectType(fromId.collection),
    };
  }
  const base = { vault: data.vaultName, version: data.version, objectType: data.objectType };
  if (data.objectName !== undefined) return { ...base, name: data.objectName };
  const trimmed = subject.trim();
  if (OBJECT_NAME.test(trimmed)) return { ...base, name: trimmed };
  const match = SUBJECT_OBJECT.exec(trimmed);
  if (match?.[1] !== undefined) return { ...base, name: match[1] };
  return undefined;
}

/** The object type an event type is about: `Microsoft.KeyVault.SecretNewVersionCreated` → Secret. */
export function objectTypeOfEventType(eventType: string): 'Secret' | 'Key' | 'Certificate' | undefined {
  const match = /^Microsoft\.KeyVault\.(Secret|Key|Certificate)[A-Z]/.exec(eventType);
  return match?.[1] as 'Secret' | 'Key' | 'Certificate' | undefined;
}

function collectionToObjectType(collection: KeyVaultCollection): string {
  switch (collection) {
    case 'secrets':
      return 'Secret';
    case 'keys':
      return 'Key';
    case 'certificates':
      return 'Certificate';
  }
}

import type { EventGridEvent } from '../../listener/eventgrid/index.js';
import type { Clock } from '../core/clock.js';
import { randomGuid, randomKeyVaultVersion, type Random } from '../core/random.js';
import {
  buildKeyVaultEvent,
  KeyVaultEventType,
  OBJECT_NAME,
  VAULT_NAME,
  vaultLocation,
  vaultTopic,
  type VaultLocation,
} from '../events/key-vault-event.js';

/** Key Vault announces expiry 30 days ahead. */
export const NEAR_EXPIRY_NOTICE_MS = 30 * 24 * 60 * 60 * 1000;

export interface SecretVersionSnapshot {
  readonly version: string;
  readonly created: number;
  readonly notBefore: number | undefined;
  readonly expires: number | undefined;
  /** Which expiry events have fired for this version. */
  readonly nearExpiryNotified: boolean;
  readonly expiredNotified: boolean;
}

export interface SecretSnapshot {
  readonly name: string;
  /** Newest first; values are never exposed. */
  readonly versions: readonly SecretVersionSnapshot[];
}

export interface VaultSnapshot {
  readonly name: string;
  readonly topic: string;
  readonly secrets: readonly SecretSnapshot[];
}

export interface SetSecretOptions {
  /** Epoch ms on the simulator's clock. */
  readonly expires?: number;
  readonly notBefore?: number;
}

export interface SetSecretResult {
  readonly vault: string;
  readonly name: string;
  readonly version: string;
  readonly event: EventGridEvent;
}

/** Vaults with secrets and versions: what a rotation changes, and the events Key Vault emits for it. */
export interface KeyVaultEmulator {
  /** Idempotent; returns the vault's topic. */
  createVault(name: string, location?: Partial<Omit<VaultLocation, 'vault'>>): string;
  /** Stores a new version and publishes SecretNewVersionCreated; schedules the expiry events. */
  setSecret(vault: string, name: string, value: string, options?: SetSecretOptions): SetSecretResult;
  /** The current value, for tests and the dashboard's "what would ESO read". */
  currentValue(vault: string, name: string): string | undefined;
  vaults(): VaultSnapshot[];
  close(): void;
}

export class KeyVaultError extends Error {
  readonly code = 'SIM_KEY_VAULT';
  constructor(message: string) {
    super(message);
    this.name = 'KeyVaultError';
  }
}

export interface KeyVaultDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly publish: (events: readonly EventGridEvent[]) => void;
  /** An expiry timer failed for a reason other than closing. */
  readonly onError: (error: unknown) => void;
  /** Vaults named on first use get this location (subscription id, resource group, DNS suffix). */
  readonly defaultLocation?: Partial<Omit<VaultLocation, 'vault'>>;
}

interface StoredVersion {
  readonly version: string;
  readonly value: string;
  readonly created: number;
  readonly notBefore: number | undefined;
  readonly expires: number | undefined;
  nearExpiryNotified: boolean;
  expiredNotified: boolean;
}

interface Vault {
  readonly location: VaultLocation;
  readonly secrets: Map<string, StoredVersion[]>;
}

export function createKeyVaultEmulator(deps: KeyVaultDeps): KeyVaultEmulator {
  const vaults = new Map<string, Vault>();
  const closing = new AbortController();

  const getVault = (name: string): Vault => {
    const vault = vaults.get(name.toLowerCase());
    if (vault !== undefined) return vault;
    createVault(name);
    const created = vaults.get(name.toLowerCase());
    if (created === undefined) throw new KeyVaultError(`vault ${name} could not be created`);
    return created;
  };

  function createVault(name: string, location?: Partial<Omit<VaultLocation, 'vault'>>): string {
    if (!VAULT_NAME.test(name)) {
      throw new KeyVaultError(`vault name ${JSON.stringify(name)}: must be 3–24 letters, digits or dashes`);
    }
    const existing = vaults.get(name.toLowerCase());
    if (existing !== undefined) return vaultTopic(existing.location);
    const vault: Vault = {
      location: vaultLocation(name, { ...deps.defaultLocation, ...location }),
      secrets: new Map(),
    };
    vaults.set(name.toLowerCase(), vault);
    return vaultTopic(vault.location);
  }

  const emit = (
    vault: Vault,
    name: string,
    stored: StoredVersion,
    type: KeyVaultEventType,
  ): EventGridEvent => {
    const event = buildKeyVaultEvent({
      location: vault.location,
      type,
      objectType: 'Secret',
      name,
      version: stored.version,
      notBefore: toUnixSeconds(stored.notBefore),
      expires: toUnixSeconds(stored.expires),
      id: randomGuid(deps.random),
      time: deps.clock.now(),
    });
    deps.publish([event]);
    return event;
  };

  const scheduleExpiry = (vault: Vault, name: string, stored: StoredVersion): void => {
    if (stored.expires === undefined) return;
    const expires = stored.expires;
    const at = async (time: number, fire: () => void): Promise<void> => {
      await deps.clock.sleep(Math.max(0, time - deps.clock.now()), closing.signal);
      fire();
    };
    const run = async (): Promise<void> => {
      await at(expires - NEAR_EXPIRY_NOTICE_MS, () => {
        stored.nearExpiryNotified = true;
        emit(vault, name, stored, KeyVaultEventType.SecretNearExpiry);
      });
      await at(expires, () => {
        stored.expiredNotified = true;
        emit(vault, name, stored, KeyVaultEventType.SecretExpired);
      });
    };
    run().catch((error: unknown) => {
      // Closing the emulator cancels its timers; that is not a failure.
      if (!closing.signal.aborted) deps.onError(error);
    });
  };

  return {
    createVault,
    setSecret(vaultName, name, value, options = {}) {
      if (!OBJECT_NAME.test(name)) {
        throw new KeyVaultError(
          `secret name ${JSON.stringify(name)}: must be 1–127 letters, digits or dashes`,
        );
      }
      if (closing.signal.aborted) throw new KeyVaultError('the Key Vault emulator is closed');
      const vault = getVault(vaultName);
      const stored: StoredVersion = {
        version: randomKeyVaultVersion(deps.random),
        value,
        created: deps.clock.now(),
        notBefore: options.notBefore,
        expires: options.expires,
        nearExpiryNotified: false,
        expiredNotified: false,
      };
      const versions = vault.secrets.get(name) ?? [];
      versions.unshift(stored);
      vault.secrets.set(name, versions);
      const event = emit(vault, name, stored, KeyVaultEventType.SecretNewVersionCreated);
      scheduleExpiry(vault, name, stored);
      return { vault: vault.location.vault, name, version: stored.version, event };
    },
    currentValue(vaultName, name) {
      return vaults.get(vaultName.toLowerCase())?.secrets.get(name)?.[0]?.value;
    },
    vaults() {
      return [...vaults.values()].map((vault) => ({
        name: vault.location.vault,
        topic: vaultTopic(vault.location),
        secrets: [...vault.secrets.entries()].map(([name, versions]) => ({
          name,
          versions: versions.map((stored) => ({
            version: stored.version,
            created: stored.created,
            notBefore: stored.notBefore,
            expires: stored.expires,
            nearExpiryNotified: stored.nearExpiryNotified,
            expiredNotified: stored.expiredNotified,
          })),
        })),
      }));
    },
    close() {
      closing.abort();
    },
  };
}

function toUnixSeconds(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.floor(ms / 1000);
}

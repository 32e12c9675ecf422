import { randomBytes } from 'node:crypto';

/**
 * A name no earlier test or run used: objects on the local control plane are never garbage-collected
 * and namespaces never finish terminating, so every test makes its own names. Lower-case letters and
 * digits only, valid as a namespace, an object name, a label value and a Key Vault secret name.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

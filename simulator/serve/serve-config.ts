import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatIssues } from '../../listener/eventgrid/index.js';
import { OBJECT_NAME, VAULT_NAME } from '../events/key-vault-event.js';
import { subscriptionOptionsSchema } from '../subscription/subscription-options.js';

const DAY = 24 * 60 * 60 * 1000;

const secretSeedSchema = z.strictObject({
  name: z.string().regex(OBJECT_NAME, 'must be 1–127 letters, digits or dashes'),
  value: z.string(),
  /** Expiry this many days after start, on the simulator's clock (NearExpiry fires 30 days before). */
  expiresInDays: z.number().positive().optional(),
});

const vaultSchema = z.strictObject({
  name: z.string().regex(VAULT_NAME, 'must be 3–24 letters, digits or dashes'),
  azureSubscriptionId: z.string().min(1).optional(),
  resourceGroup: z.string().min(1).optional(),
  /** Stored before any subscription exists, so they announce nothing. */
  secrets: z.array(secretSeedSchema).default([]),
});

/** `serve --config FILE`: vaults (Key Vault emulation, each a topic) and subscriptions. */
export const serveConfigSchema = z.strictObject({
  vaults: z.array(vaultSchema).default([]),
  subscriptions: z.array(subscriptionOptionsSchema).default([]),
});
export type ServeConfig = z.infer<typeof serveConfigSchema>;

export class ServeConfigError extends Error {
  readonly code = 'SIM_BAD_SERVE_CONFIG';
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'ServeConfigError';
  }
}

export function parseServeConfig(file: string, text: string): ServeConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ServeConfigError(file, `not YAML (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = serveConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ServeConfigError(file, formatIssues(parsed.error));
  return parsed.data;
}

export async function loadServeConfig(file: string): Promise<ServeConfig> {
  return parseServeConfig(file, await readFile(file, 'utf8'));
}

export function expiresAt(now: number, days: number | undefined): number | undefined {
  return days === undefined ? undefined : now + days * DAY;
}

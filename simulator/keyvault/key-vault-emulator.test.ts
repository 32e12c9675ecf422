import { afterEach, describe, expect, it } from 'vitest';
import { keyVaultWireDataSchema } from '../../listener/eventgrid/index.js';
import { startHarness, type Harness } from '../test-support/harness.js';
import { NEAR_EXPIRY_NOTICE_MS } from './key-vault-emulator.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const DAY = 24 * 60 * 60 * 1000;

describe('Key Vault emulation', () => {
  it('publishes a Key Vault-faithful SecretNewVersionCreated when a value is set', async () => {
    const h = (harness = await startHarness());
    await h.simulator.subscribe({
      name: 'kv-rotation',
      endpoint: `${h.webhook.url}/kv-rotation`,
      topic: 'kv-prod',
    });
    const first = h.simulator.keyVault.setSecret('kv-prod', 'db-password', 's3cret');
    const second = h.simulator.keyVault.setSecret('kv-prod', 'db-password', 'rotated');
    await h.simulator.drain();

    expect(first.version).toMatch(/^[0-9a-f]{32}$/);
    expect(second.version).not.toBe(first.version);
    expect(h.simulator.keyVault.currentValue('kv-prod', 'db-password')).toBe('rotated');
    const bodies = h.webhook.notifications().map(({ body }) => (body as unknown[])[0]);
    expect(bodies).toHaveLength(2);
    const event = bodies[0] as Record<string, unknown>;
    expect(event).toMatchObject({
      topic:
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secrets/providers/Microsoft.KeyVault/vaults/kv-prod',
      subject: 'db-password',
      eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
      dataVersion: '1',
      metadataVersion: '1',
    });
    expect(keyVaultWireDataSchema.parse(event.data)).toEqual({
      Id: `https://kv-prod.vault.azure.net/secrets/db-password/${first.version}`,
      VaultName: 'kv-prod',
      ObjectType: 'Secret',
      ObjectName: 'db-password',
      Version: first.version,
      NBF: null,
      EXP: null,
    });
    // Values never travel in events.
    expect(JSON.stringify(bodies)).not.toContain('s3cret');
  });

  it('sends SecretNearExpiry 30 days before the expiry and SecretExpired at it, on the injected clock', async () => {
    const h = (harness = await startHarness());
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: `${h.webhook.url}/kv-rotation` });
    const expires = h.clock.now() + 45 * DAY;
    const { version } = h.simulator.keyVault.setSecret('kv-prod', 'legacy-password', 'old', { expires });
    const times: Record<string, number> = {};
    h.simulator.on((event) => {
      if (event.type === 'published') times[String(Object.keys(times).length)] = h.clock.now();
    });
    await waitUntil(() => h.webhook.notifications().length === 3);
    await h.simulator.drain();

    // Event Grid does not promise order; the event times do.
    const events = h.webhook
      .notifications()
      .map(({ body }) => (body as Record<string, unknown>[])[0])
      .sort((a, b) => String(a?.eventTime).localeCompare(String(b?.eventTime)));
    expect(events.map((event) => event?.eventType)).toEqual([
      'Microsoft.KeyVault.SecretNewVersionCreated',
      'Microsoft.KeyVault.SecretNearExpiry',
      'Microsoft.KeyVault.SecretExpired',
    ]);
    expect(events[1]?.data).toMatchObject({ Version: version, EXP: Math.floor(expires / 1000) });
    expect(times['0']).toBe(expires - NEAR_EXPIRY_NOTICE_MS);
    expect(times['1']).toBe(expires);
    expect(h.simulator.keyVault.vaults()[0]?.secrets[0]?.versions[0]).toMatchObject({
      nearExpiryNotified: true,
      expiredNotified: true,
    });
  });

  it('refuses names Key Vault would refuse', async () => {
    const h = (harness = await startHarness());
    expect(() => h.simulator.keyVault.setSecret('kv-prod', 'bad_name', 'x')).toThrow(
      /secret name "bad_name"/,
    );
    expect(() => h.simulator.keyVault.setSecret('k', 'ok', 'x')).toThrow(/vault name "k"/);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not met');
}

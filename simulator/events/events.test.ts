import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudEventSchema, parseDelivery, parseKeyVaultEvent } from '../../listener/eventgrid/index.js';
import { formatAzureTime } from './azure-time.js';
import { fromCloudEvent, toCloudEvent } from './cloud-event-conversion.js';
import { buildKeyVaultEvent, KeyVaultEventType, vaultLocation } from './key-vault-event.js';
import { FixtureError, loadFixture, parseFixture } from './load-fixture.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/events');

describe('fixtures', () => {
  it('loads every event fixture through the shared schemas', async () => {
    for (const folder of ['eventgrid', 'cloudevents']) {
      const files = (await readdir(join(FIXTURES, folder))).filter((file) => file.endsWith('.json'));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const events = await loadFixture(join(FIXTURES, folder, file), 0);
        expect(events.length, file).toBeGreaterThan(0);
      }
    }
  });

  it('names the file and the field that is wrong', () => {
    expect(() => parseFixture('x.json', '[{"id":"1","subject":"s","eventType":"t"}]', 0)).toThrow(
      /^x\.json: events\[0\]\.eventTime/,
    );
    expect(() => parseFixture('y.json', '{', 0)).toThrow(FixtureError);
  });
});

describe('Key Vault events', () => {
  it('are read by the listener side of the protocol as the object and version they name', () => {
    const event = buildKeyVaultEvent({
      location: vaultLocation('kv-prod'),
      type: KeyVaultEventType.SecretNewVersionCreated,
      objectType: 'Secret',
      name: 'db-password',
      version: '0123456789abcdef0123456789abcdef',
      notBefore: null,
      expires: 1796119200,
      id: '9f4b3c2a-6a1e-4d0c-8b7e-2f5d1c3a9e01',
      time: Date.UTC(2026, 11, 1, 10, 5, 12, 458),
    });
    expect(event.eventTime).toBe('2026-12-01T10:05:12.4580000Z');
    const parsed = parseDelivery([event], 'application/json; charset=utf-8');
    expect(parsed.ok && parsed.value.kind === 'events').toBe(true);
    if (!parsed.ok || parsed.value.kind !== 'events') return;
    const [inbound] = parsed.value.events;
    expect(inbound === undefined ? undefined : parseKeyVaultEvent(inbound, 'events[0]')).toEqual({
      ok: true,
      value: {
        vault: 'kv-prod',
        name: 'db-password',
        version: '0123456789abcdef0123456789abcdef',
        objectType: 'Secret',
      },
    });
  });
});

describe('CloudEvents conversion', () => {
  it('maps topic→source, eventType→type, eventTime→time and back', () => {
    const event = buildKeyVaultEvent({
      location: vaultLocation('kv-prod'),
      type: KeyVaultEventType.SecretNewVersionCreated,
      objectType: 'Secret',
      name: 'api-token',
      version: 'ffffffffffffffffffffffffffffffff',
      notBefore: null,
      expires: null,
      id: 'c1000000-0000-4000-8000-000000000001',
      time: 0,
    });
    const cloud = cloudEventSchema.parse(toCloudEvent(event));
    expect(cloud).toMatchObject({
      source: event.topic,
      type: event.eventType,
      time: event.eventTime,
      subject: 'api-token',
    });
    expect(fromCloudEvent(cloud, 0)).toEqual(event);
  });

  it('formats Azure times with seven fractional digits', () => {
    expect(formatAzureTime(Date.UTC(2026, 0, 2, 3, 4, 5, 6))).toBe('2026-01-02T03:04:05.0060000Z');
  });
});

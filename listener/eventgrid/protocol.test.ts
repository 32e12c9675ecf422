import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURES, jsonFixture } from '../test-support/fixtures.js';
import {
  cloudEventSchema,
  eventGridDeliverySchema,
  identifyKeyVaultObject,
  keyVaultDataSchema,
  keyVaultWireDataSchema,
  parseDelivery,
  parseKeyVaultEvent,
  parseKeyVaultObjectId,
  subscriptionValidationEventSchema,
} from './index.js';

describe('fixtures are valid Azure-shaped payloads', () => {
  const eventGridFiles = readdirSync(`${FIXTURES}events/eventgrid`).filter((file) => file.endsWith('.json'));

  it.each(eventGridFiles)('events/eventgrid/%s parses as an Event Grid delivery', (file) => {
    const parsed = eventGridDeliverySchema.safeParse(jsonFixture(`events/eventgrid/${file}`));
    expect(parsed.error).toBeUndefined();
  });

  it('the handshake fixture is a SubscriptionValidationEvent', () => {
    const [event] = jsonFixture('events/eventgrid/handshake.json') as unknown[];
    expect(subscriptionValidationEventSchema.safeParse(event).success).toBe(true);
  });

  it('PascalCase rotation fixtures carry data exactly as Key Vault sends it', () => {
    for (const file of ['secret-new-version.json', 'batch.json']) {
      for (const event of jsonFixture(`events/eventgrid/${file}`) as { data: unknown }[]) {
        expect(keyVaultWireDataSchema.safeParse(event.data).error).toBeUndefined();
      }
    }
  });

  it('CloudEvents fixtures parse', () => {
    expect(
      cloudEventSchema.safeParse(jsonFixture('events/cloudevents/secret-new-version.json')).success,
    ).toBe(true);
    for (const event of jsonFixture('events/cloudevents/batch.json') as unknown[]) {
      expect(cloudEventSchema.safeParse(event).success).toBe(true);
    }
  });
});

describe('Key Vault data on the wire', () => {
  it('reads names case-insensitively and trimmed, NBF/EXP as numbers, numeric strings or null', () => {
    const data = keyVaultDataSchema.parse({
      ' ObjectName ': 'db',
      nbf: '1764583200',
      EXP: null,
      VAULTNAME: 'kv',
    });
    expect(data).toEqual({ objectName: 'db', vaultName: 'kv', nbf: 1764583200, exp: null });
  });

  it('refuses a non-numeric NBF, naming the field', () => {
    const parsed = keyVaultDataSchema.safeParse({ NBF: 'soon' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['nbf']);
  });

  it('ignores __proto__ and unknown keys', () => {
    const data = keyVaultDataSchema.parse(
      JSON.parse('{"__proto__": {"polluted": 1}, "Id": "https://kv.vault.azure.net/secrets/a/1"}'),
    );
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
    expect(data.id).toBe('https://kv.vault.azure.net/secrets/a/1');
  });
});

describe('which object an event names', () => {
  it.each([
    [
      'https://kv-prod.vault.azure.net/secrets/db-password/abc',
      { vault: 'kv-prod', collection: 'secrets', name: 'db-password', version: 'abc' },
    ],
    [
      'https://kv.vault.azure.cn/secrets/s1',
      { vault: 'kv', collection: 'secrets', name: 's1', version: undefined },
    ],
    [
      'https://kv.vault.usgovcloudapi.net/keys/k/1',
      { vault: 'kv', collection: 'keys', name: 'k', version: '1' },
    ],
  ])('parses %s', (id, expected) => {
    expect(parseKeyVaultObjectId(id)).toMatchObject(expected);
  });

  it.each([
    'http://kv.vault.azure.net/secrets/a',
    'https://kv.vault.azure.net/blobs/a',
    'https://kv.vault.azure.net/secrets/a/b/c',
    'not a url',
  ])('refuses %s', (id) => {
    expect(parseKeyVaultObjectId(id)).toBeUndefined();
  });

  it('prefers data.Id, then ObjectName, then the subject', () => {
    const base = { nbf: null, exp: null };
    expect(
      identifyKeyVaultObject('x', {
        ...base,
        id: 'https://kv.vault.azure.net/secrets/from-id/1',
        objectName: 'from-name',
      })?.name,
    ).toBe('from-id');
    expect(identifyKeyVaultObject('from-subject', { ...base, objectName: 'from-name' })?.name).toBe(
      'from-name',
    );
    expect(identifyKeyVaultObject('from-subject', base)?.name).toBe('from-subject');
    expect(
      identifyKeyVaultObject('/subscriptions/x/providers/Microsoft.KeyVault/vaults/kv', base),
    ).toBeUndefined();
  });
});

describe('parsers never throw, whatever arrives', () => {
  it('parseDelivery returns a result for any JSON value and content type', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.constantFrom(
          undefined,
          'application/json',
          'application/cloudevents+json',
          'application/cloudevents-batch+json',
        ),
        (body, type) => {
          const result = parseDelivery(body, type);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('parseKeyVaultEvent returns a result for any data and subject', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (data, subject) => {
        const result = parseKeyVaultEvent(
          { schema: 'eventgrid', id: '1', type: 't', subject, time: undefined, source: undefined, data },
          'events[0]',
        );
        if (result.ok) expect(result.value.name.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('an Id built from any valid name round-trips', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9A-Za-z-]{1,127}$/),
        fc.stringMatching(/^[a-z][a-z0-9-]{2,23}$/),
        (name, vault) => {
          expect(
            parseKeyVaultObjectId(`https://${vault}.vault.azure.net/secrets/${name}/0123`),
          ).toMatchObject({ vault, name, version: '0123' });
        },
      ),
    );
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventGridEvent } from '../../listener/eventgrid/index.js';
import type { DeliverySnapshot } from '../simulator-types.js';
import { checkDelivery, checkExternalSecrets } from './check-expectations.js';
import { findExpectations, parseExpectation } from './expectation-file.js';
import { prepareConfig } from './listener-config.js';
import { readManifests } from './manifests.js';
import { loadFixture } from '../events/load-fixture.js';

const ROOT = join(import.meta.dirname, '../..');
const EXPECT_ANNOTATION = 'reloader.dev-kit/expect';

describe('fixture expectations', () => {
  it('parse, name existing fixtures, and come in a stable order', async () => {
    const expectations = await findExpectations(join(ROOT, 'fixtures/events'));
    expect(expectations.length).toBeGreaterThanOrEqual(7);
    for (const expectation of expectations) {
      await expect(loadFixture(expectation.fixture, 0)).resolves.not.toHaveLength(0);
    }
    expect(expectations[0]?.fixture).toMatch(/handshake\.json$/);
    expect(expectations.filter((e) => e.schema === 'cloudevents').map((e) => e.fixture)).toHaveLength(2);
  });

  it('agree with the reloader.dev-kit/expect annotations for every single db-password rotation', async () => {
    const manifests = await readManifests(join(ROOT, 'fixtures/cluster'));
    const marked = manifests
      .filter((manifest) => manifest.kind === 'ExternalSecret')
      .map((manifest) => {
        const annotations = (manifest.metadata as { annotations?: Record<string, string> }).annotations ?? {};
        return {
          ref: `${manifest.metadata.namespace ?? ''}/${manifest.metadata.name}`,
          expect: annotations[EXPECT_ANNOTATION],
        };
      });
    const annotated = marked
      .filter((m) => m.expect === 'annotated')
      .map((m) => m.ref)
      .sort();
    const untouched = marked
      .filter((m) => m.expect === 'untouched')
      .map((m) => m.ref)
      .sort();
    expect(annotated.length + untouched.length).toBe(marked.length);

    for (const expectation of await findExpectations(join(ROOT, 'fixtures/events'))) {
      const events = await loadFixture(expectation.fixture, 0);
      const dbPasswordOnly = events.every(
        (event) =>
          event.eventType.endsWith('SecretNewVersionCreated') &&
          JSON.stringify(event.data).includes('/secrets/db-password/'),
      );
      if (!dbPasswordOnly) continue;
      const spec = expectation.spec.externalSecrets;
      const refs = (spec?.annotated ?? []).map((entry) => (typeof entry === 'string' ? entry : entry.ref));
      expect(refs.sort(), expectation.file).toEqual(annotated);
      expect([...(spec?.untouched ?? [])].sort(), expectation.file).toEqual(untouched);
    }
  });

  it('name the field that is wrong', () => {
    expect(() => parseExpectation('x.expect.yaml', 'delivery: { firstStatus: 99 }')).toThrow(
      /^x\.expect\.yaml: delivery\.firstStatus/,
    );
    expect(() => parseExpectation('x.expect.yaml', 'externalSecrets: { annotated: [db] }')).toThrow(
      /externalSecrets\.annotated\[0\]/,
    );
  });
});

const event = (id: string): EventGridEvent => ({
  id,
  subject: 's',
  eventType: 't',
  eventTime: '2026-12-01T10:00:00Z',
  data: {},
  dataVersion: '1',
});

describe('checks', () => {
  it('tells annotated from untouched by the step event ids, and compares last-rotated as instants', () => {
    const results = checkExternalSecrets(
      {
        annotated: ['a/one', 'a/old'],
        untouched: ['a/two', 'a/three'],
        annotations: { 'reloader/last-rotated': '2026-12-01T10:05:12.4589254Z' },
      },
      [event('e1')],
      [
        {
          namespace: 'a',
          name: 'one',
          annotations: { 'reloader/event-id': 'e1', 'reloader/last-rotated': '2026-12-01T10:05:12.458Z' },
        },
        {
          namespace: 'a',
          name: 'old',
          annotations: { 'reloader/event-id': 'e0', 'reloader/last-rotated': '2026-12-01T10:05:12.458Z' },
        },
        { namespace: 'a', name: 'two', annotations: { 'reloader/event-id': 'e0' } },
        { namespace: 'a', name: 'three', annotations: { 'reloader/event-id': 'e1' } },
      ],
    );
    expect(results.map((result) => result.ok)).toEqual([true, false, true, false]);
    expect(results[1]?.message).toMatch(/expected one of this step's events/);
  });

  it('checks first status, outcome and the echoed validation code', () => {
    const delivery: DeliverySnapshot = {
      id: 'd',
      subscription: 's',
      eventIds: ['e1'],
      eventTypes: ['t'],
      subjects: ['s'],
      publishTime: 0,
      attempts: [
        {
          number: 1,
          deliveryCount: 0,
          time: 0,
          result: '200',
          status: 200,
          outcome: 'Succeeded',
          latencyMs: 1,
          duplicate: false,
          responseBody: '{"validationResponse":"abc"}',
        },
      ],
      state: 'acknowledged',
      nextAttemptAt: undefined,
      deadLetterReason: undefined,
      deadLetterFile: undefined,
      error: undefined,
    };
    const ok = checkDelivery({ firstStatus: 200, outcome: 'acknowledged', validationResponse: 'abc' }, [
      delivery,
    ]);
    expect(ok.every((result) => result.ok)).toBe(true);
    const wrong = checkDelivery({ firstStatus: 204, outcome: 'acknowledged', validationResponse: 'xyz' }, [
      delivery,
    ]);
    expect(wrong.map((result) => result.ok)).toEqual([false, true, false]);
  });
});

describe('dev kit Config copy', () => {
  it('moves every AzureEventGrid source to 127.0.0.1 on the given port and keeps the rest', async () => {
    const file = join(ROOT, 'fixtures/configs/keyvault-rotation.yaml');
    const config = await prepareConfig(file, 40123);
    expect(config.subscription).toBe('kv-rotation');
    expect(config.yaml).toContain('port: 40123');
    expect(config.yaml).toContain('host: 127.0.0.1');
    expect(config.yaml).toContain('reloader: enabled');
    expect(await readFile(file, 'utf8')).toContain('port: 8080');
  });
});

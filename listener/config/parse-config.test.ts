import { describe, expect, it } from 'vitest';
import { yamlFixture } from '../test-support/fixtures.js';
import { parseConfig } from './parse-config.js';

function config(spec: unknown, name = 'c1'): unknown {
  return { apiVersion: 'reloader.external-secrets.io/v1alpha1', kind: 'Config', metadata: { name }, spec };
}

const seedSpec = {
  notificationSources: [
    {
      type: 'AzureEventGrid',
      azureEventGrid: { host: '0.0.0.0', port: 8080, subscriptions: ['my-event-subscription'] },
    },
  ],
  destinationsToWatch: [
    { type: 'ExternalSecret', externalSecret: { labelSelectors: { matchLabels: { app: 'my-app' } } } },
  ],
};

describe('parseConfig', () => {
  it("accepts the seed's Config", () => {
    const result = parseConfig(config(seedSpec));
    expect(result).toMatchObject({
      ok: true,
      config: {
        name: 'c1',
        sources: [{ host: '0.0.0.0', port: 8080, subscriptions: ['my-event-subscription'] }],
      },
    });
  });

  it('accepts the fixture Config', () => {
    expect(parseConfig(yamlFixture('configs/keyvault-rotation.yaml')[0]).ok).toBe(true);
  });

  it('defaults the port to 8080 and the host to 0.0.0.0', () => {
    const result = parseConfig(
      config({
        ...seedSpec,
        notificationSources: [{ type: 'AzureEventGrid', azureEventGrid: { subscriptions: ['abc'] } }],
      }),
    );
    expect(result.ok && result.config.sources[0]).toEqual({
      host: '0.0.0.0',
      port: 8080,
      subscriptions: ['abc'],
    });
  });

  it('infers the destination type from its body, as the seed writes it', () => {
    const result = parseConfig(
      config({ ...seedSpec, destinationsToWatch: [{ externalSecret: { names: ['a'] } }] }),
    );
    expect(result.ok && result.config.destinations).toEqual([{ names: ['a'] }]);
  });

  it.each([
    [
      {
        ...seedSpec,
        notificationSources: [
          { type: 'AzureEventGrid', azureEventGrid: { port: 70000, subscriptions: ['abc'] } },
        ],
      },
      'spec.notificationSources[0].azureEventGrid.port',
    ],
    [
      {
        ...seedSpec,
        notificationSources: [{ type: 'AzureEventGrid', azureEventGrid: { subscriptions: ['a/b'] } }],
      },
      'spec.notificationSources[0].azureEventGrid.subscriptions[0]',
    ],
    [
      {
        ...seedSpec,
        notificationSources: [{ type: 'AzureEventGrid', azureEventGrid: { subscriptions: [] } }],
      },
      'spec.notificationSources[0].azureEventGrid.subscriptions',
    ],
    [
      {
        ...seedSpec,
        destinationsToWatch: [
          {
            type: 'ExternalSecret',
            externalSecret: { labelSelectors: { matchExpressions: [{ key: 'a', operator: 'Near' }] } },
          },
        ],
      },
      'spec.destinationsToWatch[0].externalSecret.labelSelectors.matchExpressions[0].operator',
    ],
    [
      {
        ...seedSpec,
        destinationsToWatch: [
          {
            type: 'ExternalSecret',
            externalSecret: { labelSelectors: { matchExpressions: [{ key: 'a', operator: 'In' }] } },
          },
        ],
      },
      'spec.destinationsToWatch[0].externalSecret.labelSelectors.matchExpressions[0].values',
    ],
    [
      { notificationSources: [], destinationsToWatch: seedSpec.destinationsToWatch },
      'spec.notificationSources',
    ],
  ])('names the field in error (%#)', (spec, field) => {
    const result = parseConfig(config(spec, 'broken'));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.name).toBe('broken');
      expect(result.errors.join('\n')).toContain(field);
    }
  });

  it('reports other Reloader types as unsupported and keeps serving the AzureEventGrid source', () => {
    const result = parseConfig(
      config({
        notificationSources: [
          ...seedSpec.notificationSources,
          { type: 'AwsSqs', awsSqs: { queueURL: 'x' } },
          { type: 'Carrier-Pigeon' },
        ],
        destinationsToWatch: [...seedSpec.destinationsToWatch, { type: 'Deployment', deployment: {} }],
      }),
    );
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.config.sources).toHaveLength(1);
      expect(result.config.warnings.join('\n')).toMatch(
        /AwsSqs is a Reloader source type this listener does not serve/,
      );
      expect(result.config.warnings.join('\n')).toMatch(/unknown source type "Carrier-Pigeon"/);
      expect(result.config.warnings.join('\n')).toMatch(/Deployment is a Reloader destination type/);
    }
  });

  it('rejects what is not a Config at all', () => {
    expect(parseConfig({ kind: 'Config' })).toMatchObject({ ok: false, name: '(unnamed)' });
    expect(parseConfig('text')).toMatchObject({ ok: false });
  });
});

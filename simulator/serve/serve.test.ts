import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { findDashboardDir } from '../cli/serve-command.js';
import { createSeededRandom } from '../core/random.js';
import { startRecordingWebhook, type RecordingWebhook } from '../test-support/recording-webhook.js';
import { parse as parseYaml } from 'yaml';
import { loadServeConfig, parseServeConfig } from './serve-config.js';
import { startServe, type ServeHandle } from './start-serve.js';

let webhook: RecordingWebhook | undefined;
let serve: ServeHandle | undefined;
afterEach(async () => {
  await serve?.close();
  await webhook?.close();
  serve = undefined;
  webhook = undefined;
});

async function start(): Promise<{ serve: ServeHandle; webhook: RecordingWebhook }> {
  webhook = await startRecordingWebhook();
  serve = await startServe({
    host: '127.0.0.1',
    port: 0,
    dashboardDir: await findDashboardDir(),
    random: createSeededRandom(1),
    config: parseServeConfig(
      'inline',
      `
vaults:
  - name: kv-prod
    secrets: [{ name: db-password, value: initial }]
subscriptions:
  - name: kv-rotation
    endpoint: ${webhook.url}/kv-rotation
    topic: kv-prod
  - name: custom
    endpoint: ${webhook.url}/custom
    topic: orders
    schema: cloudevents
`,
    ),
  });
  await serve.subscribed;
  return { serve, webhook };
}

async function call(
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  body?: unknown,
  contentType = 'application/json',
) {
  const response = await request(url, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': contentType } }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, text, json: (): unknown => JSON.parse(text) };
}

describe('serve', () => {
  it('serves the dashboard and its state', async () => {
    const { serve: s } = await start();
    const page = await call('GET', `${s.url}/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Event Grid simulator</title>');
    const state = (await call('GET', `${s.url}/api/state`)).json() as {
      subscriptions: { state: string }[];
      vaults: unknown[];
    };
    expect(state.subscriptions.map((subscription) => subscription.state)).toEqual(['Succeeded', 'Succeeded']);
    expect(state.vaults).toHaveLength(1);
  });

  it('rotates through the API and through Key Vault’s set-secret shape', async () => {
    const { serve: s, webhook: w } = await start();
    const rotated = await call('POST', `${s.url}/api/rotate`, { vault: 'kv-prod', secret: 'db-password' });
    expect(rotated.status).toBe(200);
    const put = await call('PUT', `${s.url}/vaults/kv-prod/secrets/api-token`, {
      value: 'v2',
      attributes: { exp: 1_900_000_000 },
    });
    expect(put.json()).toMatchObject({
      value: 'v2',
      id: expect.stringMatching(
        /^https:\/\/kv-prod\.vault\.azure\.net\/secrets\/api-token\/[0-9a-f]{32}$/,
      ) as unknown,
    });
    await s.simulator.drain();
    const subjects = w
      .notifications()
      .filter(({ request: r }) => r.url === '/kv-rotation')
      .map(({ body }) => (body as { subject: string; data: { EXP: unknown } }[])[0]);
    expect(subjects).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ subject: 'db-password' }),
        expect.objectContaining({
          subject: 'api-token',
          data: expect.objectContaining({ EXP: 1_900_000_000 }) as unknown,
        }),
      ]),
    );
  });

  it('publishes to a custom topic, in either schema, only to that topic’s subscriptions', async () => {
    const { serve: s, webhook: w } = await start();
    const published = await call(
      'POST',
      `${s.url}/topics/orders/api/events`,
      [
        {
          specversion: '1.0',
          id: 'o1',
          source: '/app',
          type: 'Order.Created',
          subject: 'orders/1',
          data: { n: 1 },
        },
      ],
      'application/cloudevents-batch+json',
    );
    expect(published.status).toBe(200);
    await s.simulator.drain();
    const custom = w.requests.filter((r) => r.url === '/custom' && r.method === 'POST');
    expect(custom).toHaveLength(1);
    expect(custom[0]?.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(JSON.parse(custom[0]?.body ?? '')).toMatchObject({
      id: 'o1',
      type: 'Order.Created',
      source: expect.stringMatching(/\/topics\/orders$/) as unknown,
    });
    expect(
      w.requests.filter((r) => r.url === '/kv-rotation' && r.headers['aeg-event-type'] === 'Notification'),
    ).toHaveLength(0);
  });

  it('answers 400 naming the bad field', async () => {
    const { serve: s } = await start();
    const bad = await call('POST', `${s.url}/api/rotate`, { vault: 'kv-prod', secret: 'no_underscores' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('body.secret');
    const badEvent = await call('POST', `${s.url}/topics/orders/api/events`, [
      { id: '1', subject: 's', eventType: 't', data: {} },
    ]);
    expect(badEvent.status).toBe(400);
    expect(badEvent.text).toContain('events[0].eventTime');
  });
});

describe('serve attached to a cluster', () => {
  it('shows the reloader/* annotations it reads back', async () => {
    let version = '1';
    serve = await startServe({
      host: '127.0.0.1',
      port: 0,
      dashboardDir: await findDashboardDir(),
      config: parseServeConfig('inline', '{}'),
      annotationPollMs: 10,
      cluster: {
        externalSecrets: () =>
          Promise.resolve([
            {
              namespace: 'team-a',
              name: 'db',
              annotations: { 'reloader/secret-version': version, other: 'x' },
            },
          ]),
        events: () => Promise.resolve([]),
      },
    });
    const url = serve.url;
    const annotations = async (): Promise<unknown> =>
      ((await call('GET', `${url}/api/state`)).json() as { annotations: unknown }).annotations;
    await expect
      .poll(annotations)
      .toEqual([{ ref: 'team-a/db', annotations: { 'reloader/secret-version': '1' } }]);
    version = '2';
    await expect
      .poll(annotations)
      .toEqual([{ ref: 'team-a/db', annotations: { 'reloader/secret-version': '2' } }]);
  });
});

describe('serve config', () => {
  it('names the bad field', () => {
    expect(() =>
      parseServeConfig('s.yaml', 'subscriptions: [{ name: kv-rotation, endpoint: nope }]'),
    ).toThrow(/^s\.yaml: subscriptions\[0\]\.endpoint/);
  });

  it('the sample in fixtures/serve parses and delivers to what the fixtures Config serves', async () => {
    const root = new URL('../../fixtures/', import.meta.url);
    const sample = await loadServeConfig(new URL('serve/dev-kit.yaml', root).pathname);
    const config = parseYaml(await readFile(new URL('configs/keyvault-rotation.yaml', root), 'utf8')) as {
      spec: { notificationSources: { azureEventGrid: { port: number; subscriptions: string[] } }[] };
    };
    const served = config.spec.notificationSources.flatMap(({ azureEventGrid }) =>
      azureEventGrid.subscriptions.map((name) => `http://127.0.0.1:${String(azureEventGrid.port)}/${name}`),
    );
    expect(sample.vaults.map((vault) => vault.name)).toEqual(['kv-prod', 'kv-staging']);
    expect(sample.subscriptions.map((subscription) => subscription.endpoint)).toEqual(served);
  });
});

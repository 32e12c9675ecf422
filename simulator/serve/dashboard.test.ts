import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findDashboardDir } from '../cli/serve-command.js';
import {
  startRecordingWebhook,
  politeResponder,
  type RecordingWebhook,
} from '../test-support/recording-webhook.js';
import { parseServeConfig } from './serve-config.js';
import { startServe, type ServeHandle } from './start-serve.js';

// A local Chromium only: the test suite never downloads a browser.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

let browser: Browser;
let webhook: RecordingWebhook | undefined;
let serve: ServeHandle | undefined;

// The same browser scripts/ensure-chromium.sh checks for (an empty CHROMIUM_PATH counts as unset there too).
const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] === '' ? undefined : process.env['CHROMIUM_PATH'];

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
});
afterAll(async () => {
  await browser.close();
});
afterEach(async () => {
  await serve?.close();
  await webhook?.close();
  serve = undefined;
  webhook = undefined;
});

describe('dashboard', () => {
  it('shows the validated subscription, rotates a secret and shows its delivery succeed, live', async () => {
    let notifications = 0;
    // The first notification fails once, so the page must show a retry and then the success.
    webhook = await startRecordingWebhook((request, index) =>
      request.headers['aeg-event-type'] === 'Notification'
        ? { status: ++notifications === 1 ? 503 : 200 }
        : politeResponder(request, index),
    );
    serve = await startServe({
      host: '127.0.0.1',
      port: 0,
      dashboardDir: await findDashboardDir(),
      timeScale: 0.0001,
      config: parseServeConfig(
        'inline',
        `{ vaults: [{ name: kv-prod }], subscriptions: [{ name: kv-rotation, endpoint: "${webhook.url}/kv-rotation" }] }`,
      ),
    });
    await serve.subscribed;

    const page = await browser.newPage();
    await page.goto(serve.url);
    await expect.poll(() => page.getByTestId('live').textContent()).toBe('live');
    const subscription = page.locator('[data-subscription="kv-rotation"]');
    await expect.poll(() => subscription.locator('.badge').textContent()).toBe('Succeeded');

    await page.getByLabel('vault').fill('kv-prod');
    await page.getByLabel('secret').fill('db-password');
    await page.getByRole('button', { name: 'Rotate' }).click();
    await expect
      .poll(() => page.getByTestId('rotate-result').textContent())
      .toMatch(/kv-prod\/db-password is now version [0-9a-f]{32}/);

    const delivery = page.locator('#deliveries tr').first();
    await expect.poll(() => delivery.getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged');
    const chips = await delivery.locator('[data-attempt]').all();
    expect(await Promise.all(chips.map((chip) => chip.getAttribute('data-attempt')))).toEqual(['503', '200']);
    expect(await delivery.textContent()).toContain('db-password');
    expect(await page.locator('[data-count="acknowledged"] b').textContent()).toBe('1');
    expect(await page.locator('[data-secret="kv-prod/db-password"]').textContent()).toContain('kv-prod');
    expect(webhook.notifications()).toHaveLength(2);
    await page.close();
  });
});

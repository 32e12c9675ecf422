import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from './simulator.js';
import { startRecordingWebhook, type RecordingWebhook } from './test-support/recording-webhook.js';

let simulator: Simulator | undefined;
let webhook: RecordingWebhook | undefined;
afterEach(async () => {
  await simulator?.close();
  await webhook?.close();
  simulator = undefined;
  webhook = undefined;
});

describe('targets', () => {
  it('refuses a subscription endpoint outside the targets it was given, before sending anything', async () => {
    webhook = await startRecordingWebhook();
    simulator = await createSimulator({ allowedTargets: [`${webhook.url}/allowed`] });
    await expect(
      simulator.subscribe({ name: 'kv-rotation', endpoint: `${webhook.url}/elsewhere` }),
    ).rejects.toThrow(/not under a target you gave/);
    await expect(
      simulator.subscribe({ name: 'kv-rotation', endpoint: `${webhook.url}/allowedness` }),
    ).rejects.toThrow(/not under a target you gave/);
    expect(webhook.requests).toHaveLength(0);
    const ok = await simulator.subscribe({
      name: 'kv-rotation',
      endpoint: `${webhook.url}/allowed/kv-rotation`,
    });
    expect(ok.state).toBe('Succeeded');
  });

  it('names the bad field of a subscription', async () => {
    simulator = await createSimulator();
    await expect(simulator.subscribe({ name: 'x', endpoint: 'ftp://example' })).rejects.toThrow(
      /subscription\.name: must be 3–64 letters.*subscription\.endpoint: must be an http\(s\) URL/,
    );
    await expect(
      simulator.subscribe({ name: 'kv-rotation', endpoint: 'http://127.0.0.1:1/x', maxAttempts: 31 }),
    ).rejects.toThrow(/subscription\.maxAttempts/);
  });
});

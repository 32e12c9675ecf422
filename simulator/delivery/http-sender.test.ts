import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpSender, TargetNotAllowedError } from './http-sender.js';

let agent: MockAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

function mockAgent(): MockAgent {
  agent = new MockAgent();
  agent.disableNetConnect();
  return agent;
}

describe('http sender', () => {
  it('refuses any URL the simulator was not told to send to', async () => {
    const sender = createHttpSender({
      isAllowed: (url) => url.host === '127.0.0.1:8080',
      dispatcher: mockAgent(),
    });
    await expect(
      sender.send({ url: 'http://169.254.169.254/metadata', method: 'POST', headers: {}, timeoutMs: 100 }),
    ).rejects.toBeInstanceOf(TargetNotAllowedError);
  });

  it('reports status, lower-case headers and the answer', async () => {
    const mock = mockAgent();
    mock
      .get('http://127.0.0.1:8080')
      .intercept({ path: '/kv-rotation', method: 'POST' })
      .reply(200, '{"validationResponse":"x"}', { headers: { 'WebHook-Allowed-Origin': '*' } });
    const sender = createHttpSender({ isAllowed: () => true, dispatcher: mock });
    const { result } = await sender.send({
      url: 'http://127.0.0.1:8080/kv-rotation',
      method: 'POST',
      headers: {},
      body: '[]',
      timeoutMs: 1000,
    });
    expect(result).toEqual({
      kind: 'response',
      status: 200,
      headers: { 'webhook-allowed-origin': '*' },
      body: '{"validationResponse":"x"}',
    });
  });

  it('reports a connection failure with its code', async () => {
    const mock = mockAgent();
    mock
      .get('http://127.0.0.1:8080')
      .intercept({ path: '/kv-rotation', method: 'POST' })
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const sender = createHttpSender({ isAllowed: () => true, dispatcher: mock });
    const { result } = await sender.send({
      url: 'http://127.0.0.1:8080/kv-rotation',
      method: 'POST',
      headers: {},
      timeoutMs: 1000,
    });
    expect(result).toMatchObject({ kind: 'network', code: 'ECONNREFUSED' });
  });
});

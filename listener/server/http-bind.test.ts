import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../test-support/free-port.js';
import { selfSignedCertificate } from '../test-support/self-signed.js';
import type { BoundServer } from './bind.js';
import { createHttpBind } from './http-bind.js';

const dir = mkdtempSync(join(tmpdir(), 'tls-test-'));
let bound: BoundServer | undefined;
afterEach(async () => {
  await bound?.close(100);
  bound = undefined;
});

function servedCommonName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const subject = socket.getPeerCertificate().subject;
      socket.end();
      resolve(typeof subject.CN === 'string' ? subject.CN : '');
    });
    socket.on('error', reject);
  });
}

describe('HTTPS served by the listener', () => {
  it('serves the given certificate and picks up a replaced one without a restart', async () => {
    const first = selfSignedCertificate(dir, 'first');
    const second = selfSignedCertificate(dir, 'second');
    const port = await freePort();
    bound = await createHttpBind(
      { requestTimeoutMs: 5000, headersTimeoutMs: 5000, keepAliveTimeoutMs: 1000 },
      { certFile: first.cert, keyFile: first.key, pollMs: 50 },
    )('127.0.0.1', port, (_request, response) => response.end('ok'));
    expect(await servedCommonName(port)).toBe('first');
    renameSync(second.key, first.key);
    renameSync(second.cert, first.cert);
    const deadline = Date.now() + 10_000;
    let name = '';
    while (Date.now() < deadline && (name = await servedCommonName(port)) !== 'second')
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(name).toBe('second');
  });

  it('refuses to bind a port in use, with the OS error', async () => {
    const port = await freePort();
    const bind = createHttpBind({ requestTimeoutMs: 1000, headersTimeoutMs: 1000, keepAliveTimeoutMs: 1000 });
    bound = await bind('127.0.0.1', port, (_request, response) => response.end());
    await expect(bind('127.0.0.1', port, (_request, response) => response.end())).rejects.toThrow(
      /EADDRINUSE/,
    );
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../test-support/free-port.js';
import type { BoundServer } from './bind.js';
import { createHttpBind } from './http-bind.js';

const dir = mkdtempSync(join(tmpdir(), 'tls-test-'));
let bound: BoundServer | undefined;
afterEach(async () => {
  await bound?.close(100);
  bound = undefined;
});

function selfSigned(name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

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
    const first = selfSigned('first');
    const second = selfSigned('second');
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

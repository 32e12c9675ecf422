import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTcp, type Socket } from 'node:net';
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

/** What a raw client receives until the server closes the connection. */
function received(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
  });
}

function rawClient(port: number, bytes: string): Socket {
  const socket = connectTcp(port, '127.0.0.1', () => {
    if (bytes !== '') socket.write(bytes);
  });
  return socket;
}

describe('slow clients', () => {
  const open: Socket[] = [];
  afterEach(() => {
    for (const socket of open.splice(0)) socket.destroy();
  });

  // With Node's default check interval (30 s) each of these would outlive the test's own timeout.
  it.each([
    ['sends nothing', '', false],
    ['stops halfway through the headers', 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Ty', false],
    ['drips its body', 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n', true],
  ])(
    'closes the connection of a client that %s once the request timeout has passed',
    async (_what, bytes, drips) => {
      const port = await freePort();
      bound = await createHttpBind({ requestTimeoutMs: 500, headersTimeoutMs: 500, keepAliveTimeoutMs: 500 })(
        '127.0.0.1',
        port,
        (request, response) => {
          request.resume();
          request.on('end', () => response.end('ok'));
        },
      );
      const socket = rawClient(port, bytes);
      open.push(socket);
      const drip = setInterval(() => drips && socket.write('a'), 100);
      try {
        expect(await received(socket)).toMatch(/^HTTP\/1\.1 408 /);
      } finally {
        clearInterval(drip);
      }
    },
    10_000,
  );

  it('refuses connections beyond --max-connections while the open ones keep working', async () => {
    const port = await freePort();
    bound = await createHttpBind({
      requestTimeoutMs: 5000,
      headersTimeoutMs: 5000,
      keepAliveTimeoutMs: 5000,
      maxConnections: 2,
    })('127.0.0.1', port, (_request, response) => response.end('ok'));
    const held = [rawClient(port, ''), rawClient(port, '')];
    open.push(...held);
    await Promise.all(held.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
    const extra = rawClient(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    open.push(extra);
    expect(await received(extra)).toBe('');

    const first = held[0];
    if (first === undefined) throw new Error('no held connection');
    const answer = received(first);
    first.end('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(await answer).toMatch(/^HTTP\/1\.1 200 /);
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

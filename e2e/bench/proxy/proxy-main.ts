/**
 * The counting proxy as a process of its own, so its TLS and piping work is not done on the event loop
 * that times annotations. Started by proxy-process.ts with one JSON argument (ProxyProcessConfig); it
 * prints one JSON line with its ports when it listens, and closes on SIGTERM.
 */
import { readFile } from 'node:fs/promises';

import { startCountingProxy } from './counting-proxy.js';
import type { ProxyProcessConfig, ProxyReadyLine } from './proxy-process.js';

const config = JSON.parse(process.argv[2] ?? '{}') as ProxyProcessConfig;
const [ca, cert, key, servingCert, servingKey] = await Promise.all(
  [config.caPath, config.certPath, config.keyPath, config.servingCertPath, config.servingKeyPath].map(
    (path) => readFile(path),
  ),
);
if (
  ca === undefined ||
  cert === undefined ||
  key === undefined ||
  servingCert === undefined ||
  servingKey === undefined
) {
  throw new Error('counting proxy: missing TLS material');
}
const proxy = await startCountingProxy({
  upstream: config.upstream,
  upstreamTls: { ca, cert, key },
  servingTls: { cert: servingCert, key: servingKey },
  lanes: config.lanes,
});
const ready: ProxyReadyLine = { lanePorts: proxy.lanePorts, controlPort: proxy.controlPort };
process.stdout.write(`${JSON.stringify(ready)}\n`);
process.once('SIGTERM', () => {
  void proxy.close().then(() => process.exit(0));
});

/**
 * The production path: Configs in the cluster, changed while the listener runs. Each change is in force
 * once the listener has written the Config's status for its new generation; the tests then prove it
 * over HTTP (paths served or gone, ports bound or closed) and on the API server (which ExternalSecrets
 * a rotation annotates).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { reserveLoopbackPorts } from './control-plane/free-port.js';
import { createAppPair, rotateExpecting, type AppPair } from './support/app-pair.js';
import {
  applyConfig,
  conditionOf,
  deleteConfig,
  deleteE2eConfigs,
  waitForConfigReady,
  waitForConfigStatus,
  type ConfigInput,
} from './support/configs.js';
import { installCrds } from './support/crds.js';
import { eventually } from './support/eventually.js';
import { kubeClients, type Kube } from './support/kube.js';
import { LogLevel } from './support/listener-logs.js';
import { startListener, stopListeners, type ListenerProcess } from './support/listener-process.js';
import { metricValue } from './support/metrics.js';
import { uniqueName } from './support/names.js';
import { rotation } from './support/rotations.js';
import { announceSuite } from './support/suite-banner.js';
import { validationEvent } from './support/validation-events.js';
import { isRefused, postEventGrid, postValidation } from './support/webhook-client.js';

describe('live configuration from Configs in the cluster', () => {
  let kube: Kube;
  let listener: ListenerProcess;
  let pairs: { lifecycle: AppPair; shared: AppPair; conflict: AppPair };

  beforeAll(async () => {
    announceSuite('live configuration');
    kube = kubeClients();
    await installCrds(kube);
    // The ExternalSecrets exist before the listener starts, so its caches hold them once it is ready;
    // the Configs come and go while it runs.
    pairs = {
      lifecycle: await createAppPair(kube, 'live'),
      shared: await createAppPair(kube, 'shared'),
      conflict: await createAppPair(kube, 'conflict'),
    };
    listener = await startListener();
  });

  afterEach(async () => {
    await deleteE2eConfigs(kube);
  });

  afterAll(async () => {
    await stopListeners();
  });

  it('serves a Config created, changed and deleted while it runs', async () => {
    const pair = pairs.lifecycle;
    const [firstPort = 0, secondPort = 0] = await reserveLoopbackPorts(2);
    const name = uniqueName('live');
    const config = (port: number, subscriptions: string[], app: 'a' | 'b'): ConfigInput => ({
      name,
      port,
      subscriptions,
      destinations: [pair.destination(app)],
    });
    const at = (port: number, path: string): string => `http://127.0.0.1:${port}/${path}`;

    // Created.
    await applyConfig(kube, config(firstPort, ['sub-a'], 'a'));
    const created = await waitForConfigReady(kube, name);
    expect(conditionOf(created, 'ListenersBound')?.message).toBe(`127.0.0.1:${firstPort} /sub-a`);
    await rotateExpecting(kube, at(firstPort, 'sub-a'), pair, 'a');

    // A subscription added.
    await applyConfig(kube, config(firstPort, ['sub-a', 'sub-b'], 'a'));
    await waitForConfigReady(kube, name);
    expect((await postValidation(at(firstPort, 'sub-b'), validationEvent())).status).toBe(200);
    await rotateExpecting(kube, at(firstPort, 'sub-b'), pair, 'a');

    // A subscription removed: its path is gone, the other stays.
    await applyConfig(kube, config(firstPort, ['sub-b'], 'a'));
    await waitForConfigReady(kube, name);
    expect((await postEventGrid(at(firstPort, 'sub-a'), [rotation(pair.secret).event])).status).toBe(404);
    expect((await postValidation(at(firstPort, 'sub-b'), validationEvent())).status).toBe(200);

    // The selector changed: the same rotation now annotates the other ExternalSecret.
    await applyConfig(kube, config(firstPort, ['sub-b'], 'b'));
    await waitForConfigReady(kube, name);
    await rotateExpecting(kube, at(firstPort, 'sub-b'), pair, 'b');

    // The port changed: the new one serves, the old one is closed.
    await applyConfig(kube, config(secondPort, ['sub-b'], 'b'));
    await waitForConfigReady(kube, name);
    await rotateExpecting(kube, at(secondPort, 'sub-b'), pair, 'b');
    expect(await isRefused(at(firstPort, 'sub-b'))).toBe(true);

    // Deleted: nothing listens any more.
    await deleteConfig(kube, name);
    await eventually(() => isRefused(at(secondPort, 'sub-b')), Boolean, {
      what: `port ${secondPort} closed after the Config was deleted`,
    });
  });

  it('serves two Configs on one port, each path with its own Config’s selectors', async () => {
    const pair = pairs.shared;
    const [port = 0] = await reserveLoopbackPorts(1);
    const first = uniqueName('shared-a');
    const second = uniqueName('shared-b');
    await applyConfig(kube, {
      name: first,
      port,
      subscriptions: ['team-a'],
      destinations: [pair.destination('a')],
    });
    await applyConfig(kube, {
      name: second,
      port,
      subscriptions: ['team-b'],
      destinations: [pair.destination('b')],
    });
    for (const name of [first, second]) {
      const status = await waitForConfigReady(kube, name);
      expect(conditionOf(status, 'ListenersBound')?.message).toContain(`127.0.0.1:${port}`);
    }
    await rotateExpecting(kube, `http://127.0.0.1:${port}/team-a`, pair, 'a');
    await rotateExpecting(kube, `http://127.0.0.1:${port}/team-b`, pair, 'b');

    // One Config gone: its path goes with it, the port stays for the other.
    await deleteConfig(kube, first);
    await eventually(
      async () => (await postValidation(`http://127.0.0.1:${port}/team-a`, validationEvent())).status,
      (status) => status === 404,
      { what: '/team-a gone after its Config was deleted' },
    );
    await rotateExpecting(kube, `http://127.0.0.1:${port}/team-b`, pair, 'b');
  });

  it('reports a path two Configs claim (status and metrics) and serves it for the older Config', async () => {
    const pair = pairs.conflict;
    const [port = 0] = await reserveLoopbackPorts(1);
    const url = `http://127.0.0.1:${port}/shared-path`;
    // Creation times have one-second resolution; on a tie the name decides, and these sort the same way.
    const older = `${uniqueName('conflict')}-1-older`;
    const newer = older.replace('-1-older', '-2-newer');
    await applyConfig(kube, {
      name: older,
      port,
      subscriptions: ['shared-path'],
      destinations: [pair.destination('a')],
    });
    await waitForConfigReady(kube, older);
    await applyConfig(kube, {
      name: newer,
      port,
      subscriptions: ['shared-path'],
      destinations: [pair.destination('b')],
    });

    const conflicted = await waitForConfigStatus(
      kube,
      newer,
      (status) => conditionOf(status, 'Conflict')?.status === 'True',
      'Conflict=True',
    );
    expect(conditionOf(conflicted, 'Ready')).toMatchObject({ status: 'False', reason: 'Conflict' });
    expect(conditionOf(conflicted, 'Conflict')?.message).toBe(
      `/shared-path on 127.0.0.1:${port} is served for Config ${older}`,
    );
    expect(metricValue(await listener.metrics(), 'reloader_route_conflicts')).toBe(1);
    expect(
      listener.logs.filter((line) => line.level >= LogLevel.error && line['claimant'] === newer),
    ).not.toHaveLength(0);
    // The older Config keeps its path: its selector decides.
    await rotateExpecting(kube, url, pair, 'a');

    // The older Config gone, the newer one's claim is served and the conflict clears.
    await deleteConfig(kube, older);
    await waitForConfigReady(kube, newer);
    expect(metricValue(await listener.metrics(), 'reloader_route_conflicts')).toBe(0);
    await rotateExpecting(kube, url, pair, 'b');
  });
});

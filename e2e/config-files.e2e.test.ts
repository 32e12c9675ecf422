/**
 * `--config` instead of cluster Configs: the listener reads Configs from a folder (a mounted ConfigMap
 * in production), applies a changed file while it runs, and ignores the Configs in the cluster.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { reserveLoopbackPorts } from './control-plane/free-port.js';
import { createAppPair, rotateExpecting, type AppPair } from './support/app-pair.js';
import {
  applyConfig,
  configManifest,
  deleteE2eConfigs,
  readConfig,
  type ConfigInput,
} from './support/configs.js';
import { installCrds } from './support/crds.js';
import { eventually } from './support/eventually.js';
import { kubeClients, type Kube } from './support/kube.js';
import { startListener, stopListeners } from './support/listener-process.js';
import { uniqueName } from './support/names.js';
import { announceSuite } from './support/suite-banner.js';
import { validationEvent } from './support/validation-events.js';
import { isRefused, postEventGrid, postValidation } from './support/webhook-client.js';
import { rotation } from './support/rotations.js';

describe('Configs from --config files', () => {
  let kube: Kube;
  let pair: AppPair;
  let folder: string;

  beforeAll(async () => {
    announceSuite('--config files');
    kube = kubeClients();
    await installCrds(kube);
    pair = await createAppPair(kube, 'files');
    folder = await mkdtemp(join(tmpdir(), 'reloader-e2e-configs-'));
  });

  afterAll(async () => {
    await stopListeners();
    await deleteE2eConfigs(kube);
    await rm(folder, { recursive: true, force: true });
  });

  /** Replaces the file in one step, as the kubelet swaps a ConfigMap volume's contents. */
  async function writeConfigFile(input: ConfigInput): Promise<void> {
    const staging = join(folder, '.staging.tmp');
    await writeFile(staging, stringify(configManifest(input)));
    await rename(staging, join(folder, 'reloader.yaml'));
  }

  it('serves the file’s Config, applies a changed file while running, and ignores cluster Configs', async () => {
    const [port = 0, clusterPort = 0] = await reserveLoopbackPorts(2);
    const url = (path: string): string => `http://127.0.0.1:${port}/${path}`;
    const name = uniqueName('from-file');
    await writeConfigFile({
      name,
      port,
      subscriptions: ['from-file'],
      destinations: [pair.destination('a')],
    });
    // In the cluster, but not what this listener was told to read.
    const clusterConfig = uniqueName('in-cluster');
    await applyConfig(kube, {
      name: clusterConfig,
      port: clusterPort,
      subscriptions: ['in-cluster'],
      destinations: [pair.destination('b')],
    });

    await startListener({ configFiles: [folder] });
    // Ready means every endpoint of the Configs in force is bound: the cluster Config's is not.
    expect(await isRefused(`http://127.0.0.1:${clusterPort}/in-cluster`)).toBe(true);
    expect((await readConfig(kube, clusterConfig))?.status).toBeUndefined();
    await rotateExpecting(kube, url('from-file'), pair, 'a');

    // The file changes: another path, another selector.
    await writeConfigFile({
      name,
      port,
      subscriptions: ['from-file-v2'],
      destinations: [pair.destination('b')],
    });
    await eventually(
      async () => (await postValidation(url('from-file-v2'), validationEvent())).status,
      (status) => status === 200,
      { what: 'the changed file’s path served' },
    );
    expect((await postEventGrid(url('from-file'), [rotation(pair.secret).event])).status).toBe(404);
    await rotateExpecting(kube, url('from-file-v2'), pair, 'b');
  });
});

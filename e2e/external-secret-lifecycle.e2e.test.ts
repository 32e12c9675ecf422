/**
 * The cluster changes while the listener runs: an ExternalSecret created after it started is matched,
 * one deleted is not patched (a JSON merge patch must never bring it back), a namespace labelled later
 * is selected, and deliveries stay acknowledged throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { reserveLoopbackPorts } from './control-plane/free-port.js';
import { waitForCacheInStep } from './support/cache-barrier.js';
import { applyConfig, deleteE2eConfigs } from './support/configs.js';
import { installCrds } from './support/crds.js';
import { eventually } from './support/eventually.js';
import {
  createExternalSecrets,
  deleteExternalSecret,
  readExternalSecret,
  readsKey,
} from './support/external-secrets.js';
import { kubeClients, type Kube } from './support/kube.js';
import { startListener, stopListeners, type ListenerProcess } from './support/listener-process.js';
import { uniqueName } from './support/names.js';
import { createNamespace, labelNamespace } from './support/namespaces.js';
import { expectAnnotated } from './support/rotation-assertions.js';
import { rotation } from './support/rotations.js';
import { announceSuite } from './support/suite-banner.js';
import { deliverySummary, postEventGrid } from './support/webhook-client.js';

describe('ExternalSecrets and namespaces changing while the listener runs', () => {
  let kube: Kube;
  let namespace: string;
  let url: string;
  /** A path whose Config selects namespaces by a label no namespace has at first. */
  let byLabelUrl: string;
  const selectLabel = { 'e2e.reloader.test/selected': uniqueName('selected') };
  let listener: ListenerProcess;

  beforeAll(async () => {
    announceSuite('ExternalSecret lifecycle');
    kube = kubeClients();
    await installCrds(kube);
    namespace = await createNamespace(kube, 'lifecycle');
    const [port = 0] = await reserveLoopbackPorts(1);
    url = `http://127.0.0.1:${port}/lifecycle`;
    await applyConfig(kube, {
      name: uniqueName('lifecycle'),
      port,
      subscriptions: ['lifecycle'],
      destinations: [{ namespaceSelectors: [{ matchLabels: { 'kubernetes.io/metadata.name': namespace } }] }],
    });
    byLabelUrl = `http://127.0.0.1:${port}/by-namespace-label`;
    await applyConfig(kube, {
      name: uniqueName('lifecycle-labels'),
      port,
      subscriptions: ['by-namespace-label'],
      destinations: [{ namespaceSelectors: [{ matchLabels: selectLabel }] }],
    });
    listener = await startListener();
  });

  afterAll(async () => {
    await stopListeners();
    await deleteE2eConfigs(kube);
  });

  it('matches an ExternalSecret created after the listener started', async () => {
    const secret = uniqueName('late-secret');
    await createExternalSecrets(kube, [{ namespace, name: 'created-late', spec: readsKey(secret) }]);
    await waitForCacheInStep(listener, kube);

    const sent = rotation(secret);
    const answer = await postEventGrid(url, [sent.event]);
    expect(answer.status, answer.body).toBe(200);
    expect(deliverySummary(answer)).toMatchObject({ matched: 1, annotated: 1 });
    await expectAnnotated(kube, sent, [{ namespace, name: 'created-late' }]);
  });

  it('does not patch an ExternalSecret once it is deleted, and acknowledges the delivery', async () => {
    const secret = uniqueName('deleted-secret');
    await createExternalSecrets(kube, [
      { namespace, name: 'deleted', spec: readsKey(secret) },
      { namespace, name: 'kept', spec: readsKey(secret) },
    ]);
    await waitForCacheInStep(listener, kube);
    await deleteExternalSecret(kube, namespace, 'deleted');
    await waitForCacheInStep(listener, kube);

    const sent = rotation(secret);
    const answer = await postEventGrid(url, [sent.event]);
    expect(answer.status, answer.body).toBe(200);
    expect(deliverySummary(answer)).toMatchObject({ matched: 1, annotated: 1, gone: 0 });
    await expectAnnotated(kube, sent, [{ namespace, name: 'kept' }]);
    expect(await readExternalSecret(kube, namespace, 'deleted')).toBeUndefined();
  });

  it('acknowledges a delivery racing the deletion of the ExternalSecrets it matches, and revives none', async () => {
    const secret = uniqueName('racing-secret');
    const names = ['racing-1', 'racing-2', 'racing-3', 'racing-4', 'racing-5'];
    await createExternalSecrets(
      kube,
      names.map((name) => ({ namespace, name, spec: readsKey(secret) })),
    );
    await waitForCacheInStep(listener, kube);

    // Whichever wins for each object, the cache noticing the deletion (not matched), the patch finding
    // it gone, or the patch landing just before the deletion, the delivery is stored and answered 200.
    const sent = rotation(secret);
    const [answer] = await Promise.all([
      postEventGrid(url, [sent.event]),
      ...names.map((name) => deleteExternalSecret(kube, namespace, name)),
    ]);
    expect(answer.status, answer.body).toBe(200);
    const summary = deliverySummary(answer);
    expect(summary.annotated + summary.gone).toBe(summary.matched);
    for (const name of names) expect(await readExternalSecret(kube, namespace, name)).toBeUndefined();
    process.stderr.write(
      `[e2e] racing deletion: matched ${summary.matched}, annotated ${summary.annotated}, gone ${summary.gone}\n`,
    );
  });

  it('selects the ExternalSecrets of a namespace labelled while the listener runs', async () => {
    const secret = uniqueName('relabel-secret');
    const relabelled = await createNamespace(kube, 'relabel');
    await createExternalSecrets(kube, [
      { namespace: relabelled, name: 'reads-secret', spec: readsKey(secret) },
    ]);
    await waitForCacheInStep(listener, kube);
    const unselected = await postEventGrid(byLabelUrl, [rotation(secret).event]);
    expect(deliverySummary(unselected)).toMatchObject({ matched: 0 });

    await labelNamespace(kube, relabelled, selectLabel);
    // The Namespace cache has no metric to wait on, so deliveries are the probe: each a new rotation.
    const { sent } = await eventually(
      async () => {
        const attempt = rotation(secret);
        return { sent: attempt, summary: deliverySummary(await postEventGrid(byLabelUrl, [attempt.event])) };
      },
      ({ summary }) => summary.matched === 1,
      { what: 'the namespace label seen by the listener' },
    );
    await expectAnnotated(kube, sent, [{ namespace: relabelled, name: 'reads-secret' }]);
  });
});

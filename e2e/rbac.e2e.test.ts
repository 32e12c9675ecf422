/**
 * RBAC for real: the listener runs as a user of its own (a client certificate with its own CN) bound
 * only to the ClusterRole from k8s/rbac.yaml. It must be able to do its whole job with that role, and
 * a role lacking `patch` on ExternalSecrets must turn deliveries into 503s that Event Grid retries,
 * with the failure in the listener's log.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  EXTERNAL_SECRET_GROUP,
  EXTERNAL_SECRET_PLURAL,
  EXTERNAL_SECRET_VERSION,
} from '../listener/cluster/external-secret.js';
import { reserveLoopbackPorts } from './control-plane/free-port.js';
import { applyManifest } from './support/apply.js';
import { clusterControl, type ControlledUser } from './support/cluster-control.js';
import { applyConfig, deleteE2eConfigs, waitForConfigReady } from './support/configs.js';
import { installCrds } from './support/crds.js';
import { createExternalSecrets, readsKey } from './support/external-secrets.js';
import { externalSecretEvents } from './support/kube-events.js';
import { kubeClients, unlessNotFound, type Kube } from './support/kube.js';
import { LogLevel } from './support/listener-logs.js';
import { startListener, stopListeners } from './support/listener-process.js';
import { metricValue } from './support/metrics.js';
import { uniqueName } from './support/names.js';
import { createNamespace } from './support/namespaces.js';
import {
  bindClusterRole,
  grantRoleIn,
  listenerClusterRole,
  listenerLeaseRole,
  RBAC_FILE,
  waitForGrant,
} from './support/rbac.js';
import { expectAnnotated, expectUntouched, snapshot } from './support/rotation-assertions.js';
import { rotation } from './support/rotations.js';
import { announceSuite } from './support/suite-banner.js';
import { postEventGrid } from './support/webhook-client.js';

const externalSecrets = {
  group: EXTERNAL_SECRET_GROUP,
  version: EXTERNAL_SECRET_VERSION,
  plural: EXTERNAL_SECRET_PLURAL,
};
const listExternalSecrets = (kube: Kube): Promise<unknown> =>
  kube.custom.listClusterCustomObject({ ...externalSecrets, limit: 1 });

describe('RBAC: the listener as a non-admin user', () => {
  const control = clusterControl();
  const cannotCreateUsers =
    control.createUser === undefined
      ? `the ${control.provider} provider cannot mint user certificates`
      : undefined;
  let kube: Kube;

  beforeAll(async () => {
    announceSuite('RBAC');
    kube = kubeClients();
    await installCrds(kube);
  });

  afterEach(async () => {
    await stopListeners();
    await deleteE2eConfigs(kube);
  });

  afterAll(() => {
    if (cannotCreateUsers !== undefined) process.stderr.write(`[e2e] RBAC: skipped: ${cannotCreateUsers}\n`);
  });

  /** A user bound to `role` only, a namespace with one ExternalSecret, a Config serving it. */
  async function setUp(
    role: Awaited<ReturnType<typeof listenerClusterRole>>,
    prefix: string,
    options: { statusLease?: boolean } = {},
  ) {
    const createUser = control.createUser;
    if (createUser === undefined) throw new Error('skipped above');
    await applyManifest(kube, role);
    const user: ControlledUser = await createUser({ name: uniqueName(prefix) });
    await bindClusterRole(kube, role.metadata.name, user);
    await waitForGrant(user, listExternalSecrets);

    const namespace = await createNamespace(kube, prefix);
    const secret = uniqueName(`${prefix}-secret`);
    await createExternalSecrets(kube, [{ namespace, name: 'reads-secret', spec: readsKey(secret) }]);
    const [port = 0] = await reserveLoopbackPorts(1);
    const configName = uniqueName(prefix);
    await applyConfig(kube, {
      name: configName,
      port,
      subscriptions: ['kv-rotation'],
      destinations: [{ namespaceSelectors: [{ matchLabels: { 'kubernetes.io/metadata.name': namespace } }] }],
    });
    // The status Lease in the test's namespace, with the Role from k8s/rbac.yaml bound there.
    const lease = options.statusLease === true ? { namespace, name: 'eventgrid-reloader' } : undefined;
    if (lease !== undefined) await grantRoleIn(kube, namespace, await listenerLeaseRole(), user);
    const listener = await startListener({
      kubeconfigPath: user.kubeconfigPath,
      extraArgs: lease === undefined ? [] : [`--status-lease=${lease.namespace}/${lease.name}`],
    });
    return {
      listener,
      lease,
      configName,
      secret,
      ref: { namespace, name: 'reads-secret' },
      url: `http://127.0.0.1:${port}/kv-rotation`,
    };
  }

  it.skipIf(cannotCreateUsers !== undefined)(
    `the roles from ${RBAC_FILE} are sufficient: annotations, Events, the status Lease and Config status all written`,
    async () => {
      const { listener, lease, configName, secret, ref, url } = await setUp(
        await listenerClusterRole(),
        'rbac-ok',
        { statusLease: true },
      );
      // leases: the listener took the status Lease, so it alone writes Config status...
      if (lease === undefined) throw new Error('the status Lease was asked for');
      await expect
        .poll(
          async () =>
            (await unlessNotFound(() => kube.coordination.readNamespacedLease(lease)))?.spec?.holderIdentity,
        )
        .toEqual(expect.any(String));
      // ...configs/status: the listener wrote the status of the Config it serves.
      await waitForConfigReady(kube, configName);

      const sent = rotation(secret);
      const answer = await postEventGrid(url, [sent.event]);
      expect(answer.status, answer.body).toBe(200);
      await expectAnnotated(kube, sent, [ref]);
      // events: create, in the ExternalSecret's namespace.
      await expect
        .poll(async () =>
          (await externalSecretEvents(kube, ref.namespace, ref.name)).map((event) => event.reason),
        )
        .toEqual(['SecretRotated']);
      expect(listener.logs.filter((line) => JSON.stringify(line).includes('FORBIDDEN'))).toEqual([]);
    },
  );

  it.skipIf(cannotCreateUsers !== undefined)(
    'without patch on externalsecrets: the delivery gets 503, nothing is written, the log says FORBIDDEN',
    async () => {
      const full = await listenerClusterRole();
      const rules = full.rules.map((rule) =>
        rule.resources?.includes('externalsecrets') === true
          ? { ...rule, verbs: rule.verbs.filter((verb) => verb !== 'patch') }
          : rule,
      );
      // The shipped role must grant patch in the first place, or this case would prove nothing.
      expect(JSON.stringify(rules)).not.toBe(JSON.stringify(full.rules));
      const role = { ...full, metadata: { name: uniqueName('reloader-no-patch') }, rules };
      const { listener, ref, secret, url } = await setUp(role, 'rbac-nopatch');

      const before = await snapshot(kube, [ref]);
      const answer = await postEventGrid(url, [rotation(secret).event]);
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'KUBERNETES_UNAVAILABLE' });
      await expectUntouched(kube, before);

      const failure = await listener.logs.waitFor(
        (line) => line['code'] === 'FORBIDDEN' && line['externalSecret'] === `${ref.namespace}/${ref.name}`,
        'the FORBIDDEN patch of the ExternalSecret',
      );
      expect(failure.level).toBeGreaterThanOrEqual(LogLevel.warn);
      expect(
        metricValue(await listener.metrics(), 'reloader_kubernetes_errors_total', {
          operation: 'patch',
          code: 'FORBIDDEN',
        }),
      ).toBe(1);
    },
  );
});

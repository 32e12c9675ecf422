import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensureControlPlaneBinaries } from './build.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';

// A cold build of kube-apiserver takes about nine minutes; a warm start a few seconds.
const SETUP_TIMEOUT_MS = 20 * 60_000;
const TEST_TIMEOUT_MS = 120_000;

const group = 'e2e.reloader.test';
const crd: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
          },
        },
      },
    ],
  },
};

function loadKubeconfig(path: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(path);
  return config;
}

/** The HTTP status of a failed client call, so a test can assert "forbidden" rather than "threw". */
async function statusOf(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return 200;
  } catch (error: unknown) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('local control plane (etcd + kube-apiserver built from Go modules)', () => {
  let controlPlane: ControlPlane;
  let admin: KubeConfig;

  beforeAll(async () => {
    const binaries = await ensureControlPlaneBinaries();
    controlPlane = await startControlPlane({ binaries });
    admin = loadKubeconfig(controlPlane.kubeconfigPath);
    process.stderr.write(
      `control plane: Kubernetes ${controlPlane.version.gitVersion} at ${controlPlane.serverUrl}\n`,
    );
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await controlPlane.stop();
  }, TEST_TIMEOUT_MS);

  it('reports the version the binary was stamped with', () => {
    expect(controlPlane.version.gitVersion).toBe('v1.37.2');
  });

  it(
    'stores a namespace, a CRD and a custom object and reads them back',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const core = admin.makeApiClient(CoreV1Api);
      const extensions = admin.makeApiClient(ApiextensionsV1Api);
      const custom = admin.makeApiClient(CustomObjectsApi);

      await core.createNamespace({ body: { metadata: { name: 'crud' } } });
      await extensions.createCustomResourceDefinition({ body: crd });
      // The apiextensions controller inside kube-apiserver marks the CRD Established before it is served.
      const established = await eventually(
        () => extensions.readCustomResourceDefinition({ name: `widgets.${group}` }),
        (read) =>
          read.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true,
      );
      expect(established.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');

      await custom.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace: 'crud',
        plural: 'widgets',
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'first' }, spec: { size: 3 } },
      });
      const widget: unknown = await custom.getNamespacedCustomObject({
        group,
        version: 'v1',
        namespace: 'crud',
        plural: 'widgets',
        name: 'first',
      });
      expect(widget).toMatchObject({ metadata: { name: 'first', namespace: 'crud' }, spec: { size: 3 } });
      expect((await core.readNamespace({ name: 'crud' })).metadata?.name).toBe('crud');
    },
  );

  it(
    'enforces RBAC for a non-admin user until a ClusterRoleBinding grants access',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const user = await controlPlane.createUser({ name: 'e2e-reader', groups: ['e2e-readers'] });
      const asUser = loadKubeconfig(user.kubeconfigPath).makeApiClient(CoreV1Api);
      const listNamespaces = (): Promise<unknown> => asUser.listNamespace();

      expect(await statusOf(listNamespaces)).toBe(403);

      const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
      await rbac.createClusterRole({
        body: {
          metadata: { name: 'e2e-namespace-reader' },
          rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list'] }],
        },
      });
      await rbac.createClusterRoleBinding({
        body: {
          metadata: { name: 'e2e-namespace-reader' },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: 'e2e-namespace-reader',
          },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user.name }],
        },
      });

      // The RBAC authorizer learns of new bindings through a watch, so the grant takes effect shortly after.
      expect(
        await eventually(
          () => statusOf(listNamespaces),
          (status) => status === 200,
        ),
      ).toBe(200);
      // Granted to read namespaces only: secrets stay forbidden.
      expect(await statusOf(() => asUser.listNamespacedSecret({ namespace: 'default' }))).toBe(403);
    },
  );

  it(
    'keeps its data when kube-apiserver stops and comes back on the same address',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const core = admin.makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: 'survives-restart' } } });
      const serverUrl = controlPlane.serverUrl;

      await controlPlane.stopApiServer({ graceful: false });
      expect(controlPlane.isApiServerRunning()).toBe(false);
      await expect(core.readNamespace({ name: 'survives-restart' })).rejects.toThrow();

      await controlPlane.startApiServer();
      expect(controlPlane.serverUrl).toBe(serverUrl);
      const read = await core.readNamespace({ name: 'survives-restart' });
      expect(read.metadata?.name).toBe('survives-restart');

      await controlPlane.restartApiServer();
      const afterGracefulRestart = await core.readNamespace({ name: 'survives-restart' });
      expect(afterGracefulRestart.metadata?.uid).toBe(read.metadata?.uid);
    },
  );
});

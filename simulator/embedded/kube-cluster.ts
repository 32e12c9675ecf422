import {
  ApiException,
  KubeConfig,
  KubernetesObjectApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { z } from 'zod';
import type { ClusterEventView, ClusterView, ExternalSecretView } from './cluster-view.js';
import { externalSecretSchema, toExternalSecretView } from './cluster-view.js';
import { applyOrder, type Manifest } from './manifests.js';

const FIELD_MANAGER = 'reloader-simulator';

/** The API server refused something; the message is the server's own, without the HTTP noise. */
export class KubeApplyError extends Error {
  readonly code = 'SIM_KUBE';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'KubeApplyError';
  }
}

/**
 * The default run on a real API server: the simulator applies the fixture manifests itself and reads
 * ExternalSecrets back. All API-server I/O of the simulator is here.
 */
export interface KubeCluster extends ClusterView {
  apply(manifests: readonly Manifest[]): Promise<void>;
}

export function createKubeCluster(kubeconfigPath: string): KubeCluster {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const client = KubernetesObjectApi.makeApiClient(config);

  // Create, or replace what is there: this works with any CRD schema (server-side apply needs the
  // fields declared), and a re-run starts from the manifests as written.
  const upsert = async (manifest: Manifest): Promise<void> => {
    const object = structuredClone(manifest) as KubernetesObject;
    try {
      await client.create(object, undefined, undefined, FIELD_MANAGER);
      return;
    } catch (error) {
      if (!(error instanceof ApiException) || error.code !== 409) throw error;
    }
    const existing = await client.read({
      apiVersion: manifest.apiVersion,
      kind: manifest.kind,
      metadata: {
        name: manifest.metadata.name,
        ...(manifest.metadata.namespace === undefined ? {} : { namespace: manifest.metadata.namespace }),
      },
    });
    // The manifest is plain JSON-shaped data; client-node types metadata as a class it never needs.
    const replacement: Manifest = {
      ...manifest,
      metadata: { ...manifest.metadata, resourceVersion: existing.metadata?.resourceVersion },
    };
    await client.replace(replacement as KubernetesObject, undefined, undefined, FIELD_MANAGER);
  };

  return {
    async apply(manifests) {
      for (const manifest of applyOrder(manifests)) {
        try {
          await upsert(manifest);
        } catch (error) {
          const where =
            `${manifest.kind} ${manifest.metadata.namespace ?? ''}/${manifest.metadata.name}`.replace(
              ' /',
              ' ',
            );
          throw new KubeApplyError(`applying ${where}: ${describeApiError(error)}`, { cause: error });
        }
      }
    },
    async externalSecrets(): Promise<ExternalSecretView[]> {
      try {
        const list = await client.list('external-secrets.io/v1', 'ExternalSecret');
        return z.array(externalSecretSchema).parse(list.items).map(toExternalSecretView);
      } catch (error) {
        throw new KubeApplyError(`listing ExternalSecrets: ${describeApiError(error)}`, { cause: error });
      }
    },
    events(): Promise<ClusterEventView[]> {
      // Reading Events back is a convenience of the in-memory run; on a real cluster use kubectl.
      return Promise.resolve([]);
    },
  };
}

function describeApiError(error: unknown): string {
  if (error instanceof ApiException) {
    const message = statusMessage(error.body) ?? error.message.split('\n')[0] ?? 'request failed';
    const hint =
      error.code === 404 && /resource metadata|404 page not found/i.test(error.message)
        ? ' (is the ExternalSecret CRD, external-secrets.io/v1, installed?)'
        : '';
    return `HTTP ${error.code}: ${message}${hint}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The `message` of a Kubernetes Status body, which client-node hands over as text or as an object. */
function statusMessage(body: unknown): string | undefined {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      // Plain text ("404 page not found"): that is the message.
      return body.trim() === '' ? undefined : body.trim();
    }
  }
  return typeof value === 'object' &&
    value !== null &&
    'message' in value &&
    typeof value.message === 'string'
    ? value.message
    : undefined;
}

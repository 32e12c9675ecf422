import { readFile } from 'node:fs/promises';

import { parse } from 'yaml';

import { repoPath } from '../repo-path.js';
import { KubeHttpError, type KubeHttp } from './kube-http.js';

/** The stand-in ExternalSecret CRD the e2e suites use (no ESO runs here); Configs come from a file. */
export const EXTERNAL_SECRET_CRD = 'e2e/crds/externalsecret.yaml';
const CRDS_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const ESTABLISHED_TIMEOUT_MS = 60_000;

interface CrdStatus {
  readonly metadata?: { readonly name?: string };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

/** Creates the CRD (an existing one is fine) and waits until the API server serves it. */
export async function installExternalSecretCrd(kube: KubeHttp): Promise<void> {
  const crd = parse(await readFile(repoPath(EXTERNAL_SECRET_CRD), 'utf8')) as CrdStatus;
  const name = crd.metadata?.name;
  if (name === undefined) throw new Error(`${EXTERNAL_SECRET_CRD} has no metadata.name`);
  try {
    await kube.json('POST', CRDS_PATH, crd);
  } catch (error: unknown) {
    if (!(error instanceof KubeHttpError && error.status === 409)) throw error;
  }
  const deadline = performance.now() + ESTABLISHED_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const current = (await kube.json('GET', `${CRDS_PATH}/${name}`)) as CrdStatus;
    const established = current.status?.conditions?.some(
      (condition) => condition.type === 'Established' && condition.status === 'True',
    );
    if (established === true) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`CRD ${name} was not Established within ${ESTABLISHED_TIMEOUT_MS} ms`);
}

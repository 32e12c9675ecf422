import { readFile } from 'node:fs/promises';

import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

import { readManifests, repoPath, type Manifest } from './manifests.js';

const kustomizationSchema = z
  .object({
    apiVersion: z.string(),
    kind: z.literal('Kustomization'),
    resources: z.array(z.string().min(1)).min(1),
    images: z
      .array(
        z
          .object({ name: z.string(), newName: z.string().optional(), newTag: z.string().optional() })
          .strict(),
      )
      .default([]),
  })
  // Any other kustomize feature would change what is applied; fail rather than apply something else.
  .strict();

export interface Kustomization {
  /** Files, relative to the kustomization's folder, in its order. */
  readonly resources: readonly string[];
  /** What `kubectl apply -k` would send: the resources with the `images:` overrides applied. */
  readonly manifests: readonly Manifest[];
}

/** The subset of kustomize that k8s/kustomization.yaml uses: resources and images. */
export async function renderKustomization(folder: string): Promise<Kustomization> {
  const [document] = await readKustomizationFile(`${folder}/kustomization.yaml`);
  const kustomization = kustomizationSchema.parse(document);
  const manifests: Manifest[] = [];
  for (const resource of kustomization.resources) {
    for (const manifest of await readManifests(`${folder}/${resource}`)) {
      manifests.push(overrideImages(manifest, kustomization.images));
    }
  }
  return { resources: kustomization.resources, manifests };
}

// A Kustomization has no metadata.name, so it is read as plain YAML rather than as a manifest.
async function readKustomizationFile(path: string): Promise<unknown[]> {
  return parseAllDocuments(await readFile(repoPath(path), 'utf8')).map((doc) => doc.toJS() as unknown);
}

type ImageOverride = z.infer<typeof kustomizationSchema>['images'][number];

function overrideImages(manifest: Manifest, images: readonly ImageOverride[]): Manifest {
  if (images.length === 0) return manifest;
  const copy = structuredClone(manifest);
  const pod = (copy as { spec?: { template?: { spec?: PodSpec } } }).spec?.template?.spec;
  for (const container of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
    const [name, tag] = splitImage(container.image);
    const override = images.find((image) => image.name === name);
    if (override === undefined) continue;
    const newTag = override.newTag ?? tag;
    container.image = `${override.newName ?? name}${newTag === undefined ? '' : `:${newTag}`}`;
  }
  return copy;
}

interface PodSpec {
  containers?: { image: string }[];
  initContainers?: { image: string }[];
}

/** `registry:5000/name:tag` → [`registry:5000/name`, `tag`]; a colon before the last slash is a port. */
function splitImage(image: string): [string, string | undefined] {
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/')
    ? [image.slice(0, colon), image.slice(colon + 1)]
    : [image, undefined];
}

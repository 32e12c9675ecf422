import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { formatIssues } from '../../listener/eventgrid/index.js';

export const manifestSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** The Kubernetes manifests in a YAML file or in the .yaml/.yml files of a folder (multi-document). */
export async function readManifests(path: string): Promise<Manifest[]> {
  const files = (await stat(path)).isDirectory()
    ? (await readdir(path))
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()
        .map((name) => join(path, name))
    : [path];
  const manifests: Manifest[] = [];
  for (const file of files) {
    const documents = parseAllDocuments(await readFile(file, 'utf8'));
    for (const [index, document] of documents.entries()) {
      if (document.errors.length > 0)
        throw new Error(`${file}: ${document.errors[0]?.message ?? 'bad YAML'}`);
      const value: unknown = document.toJS();
      if (value === null || value === undefined) continue;
      const parsed = manifestSchema.safeParse(value);
      if (!parsed.success) throw new Error(`${file}: ${formatIssues(parsed.error, `document[${index}]`)}`);
      manifests.push(parsed.data);
    }
  }
  return manifests;
}

/** Namespaces first, so the namespaced objects have somewhere to go. */
export function applyOrder(manifests: readonly Manifest[]): Manifest[] {
  return [...manifests].sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'));
}

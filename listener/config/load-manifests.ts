import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface LoadedManifests {
  readonly manifests: readonly { readonly file: string; readonly manifest: unknown }[];
  /** Files that could not be read or parsed, each naming the file. */
  readonly problems: readonly string[];
}

/**
 * Reads Kubernetes manifests from files and folders (YAML, several documents per file, or JSON; a
 * `kind: List` is unpacked). A broken file is reported and skipped, never stops the others.
 */
export async function loadManifests(paths: readonly string[]): Promise<LoadedManifests> {
  const manifests: { file: string; manifest: unknown }[] = [];
  const problems: string[] = [];
  for (const file of await expand(paths, problems)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      problems.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    for (const [index, document] of parseAllDocuments(text).entries()) {
      if (document.errors.length > 0) {
        problems.push(`${file}: document ${index + 1}: ${document.errors[0]?.message ?? 'invalid YAML'}`);
        continue;
      }
      const value: unknown = document.toJS();
      if (value === null || value === undefined) continue;
      for (const manifest of unpackList(value)) manifests.push({ file, manifest });
    }
  }
  return { manifests, problems };
}

function unpackList(value: unknown): unknown[] {
  if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'List') {
    const items = (value as { items?: unknown }).items;
    return Array.isArray(items) ? items : [];
  }
  return [value];
}

async function expand(paths: readonly string[], problems: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    try {
      const info = await stat(path);
      if (!info.isDirectory()) {
        files.push(path);
        continue;
      }
      const entries = await readdir(path, { withFileTypes: true });
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        if (entry.isFile() && MANIFEST_EXTENSIONS.has(extname(entry.name)))
          files.push(join(path, entry.name));
      }
    } catch (error) {
      problems.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return files;
}

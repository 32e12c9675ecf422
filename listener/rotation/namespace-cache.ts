import type { Namespace, WatchHandlers } from '../cluster/cluster.js';

/** Namespace labels for namespaceSelectors, kept current by a watch. */
export class NamespaceCache implements WatchHandlers<Namespace> {
  readonly #labels = new Map<string, Readonly<Record<string, string>>>();
  #synced = false;

  get isSynced(): boolean {
    return this.#synced;
  }

  upsert(namespace: Namespace): void {
    this.#labels.set(namespace.name, namespace.labels);
  }

  remove(namespace: Namespace): void {
    this.#labels.delete(namespace.name);
  }

  synced(): void {
    this.#synced = true;
  }

  error(): void {
    // The watch relists on its own; labels already known stay in use meanwhile.
  }

  /** Labels of a namespace; a namespace the cache has not seen has none. */
  labelsOf(name: string): Readonly<Record<string, string>> {
    return this.#labels.get(name) ?? {};
  }
}

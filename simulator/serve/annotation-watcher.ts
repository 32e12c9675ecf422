import type { ClusterView } from '../embedded/cluster-view.js';

/** An ExternalSecret's reloader/* annotations: what the listener wrote. */
export interface AnnotationView {
  readonly ref: string;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface AnnotationWatcher {
  current(): readonly AnnotationView[];
  stop(): void;
}

/**
 * Polls the cluster for reloader/* annotations and reports when they change. Polling (not a watch)
 * because it works the same on a real API server and on the listener's /debug/cluster.
 */
export function watchAnnotations(
  view: ClusterView,
  intervalMs: number,
  onChange: (annotations: readonly AnnotationView[]) => void,
  onError: (error: unknown) => void,
): AnnotationWatcher {
  let current: readonly AnnotationView[] = [];
  let fingerprint = '';
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const poll = async (): Promise<void> => {
    const externalSecrets = await view.externalSecrets();
    const next = externalSecrets
      .map((es) => ({
        ref: `${es.namespace}/${es.name}`,
        annotations: Object.fromEntries(
          Object.entries(es.annotations).filter(([key]) => key.startsWith('reloader/')),
        ),
      }))
      .sort((a, b) => a.ref.localeCompare(b.ref));
    const nextFingerprint = JSON.stringify(next);
    if (nextFingerprint !== fingerprint) {
      fingerprint = nextFingerprint;
      current = next;
      onChange(current);
    }
  };
  const loop = (): void => {
    if (stopped) return;
    poll()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };
  loop();

  return {
    current: () => current,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

import { EVENT_ID } from '../../../listener/rotation/annotations.js';
import type { KubeHttp } from './kube-http.js';
import { EXTERNAL_SECRETS_PATH, type PopulationMember } from './population.js';

interface Waiter {
  readonly pending: Set<string>;
  readonly resolve: (at: number) => void;
}

export interface AnnotationWatch {
  /**
   * Resolves with the performance.now() at which the watch delivered the last of `members` carrying
   * `eventId` in its reloader/event-id annotation: the moment the annotation is stored and visible to
   * any watcher (ESO included). Register before sending, so no event can be missed.
   */
  waitFor(eventId: string, members: readonly PopulationMember[], timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

interface WatchEvent {
  readonly type?: string;
  readonly object?: {
    readonly metadata?: {
      readonly namespace?: string;
      readonly name?: string;
      readonly resourceVersion?: string;
      readonly annotations?: Readonly<Record<string, string>>;
    };
  };
}

/**
 * One long-lived watch of every ExternalSecret from "now", shared by all measurements: the same
 * observer times the listener and the baseline, so what it costs cancels out in their ratio.
 */
export async function startAnnotationWatch(kube: KubeHttp): Promise<AnnotationWatch> {
  const waiters = new Map<string, Waiter>();
  const abort = new AbortController();
  const list = (await kube.json('GET', `${EXTERNAL_SECRETS_PATH}?limit=1`)) as {
    metadata?: { resourceVersion?: string };
  };
  let resourceVersion = list.metadata?.resourceVersion ?? '0';
  let failure: Error | undefined;

  const onEvent = (event: WatchEvent): void => {
    const metadata = event.object?.metadata;
    if (metadata?.resourceVersion !== undefined) resourceVersion = metadata.resourceVersion;
    if (event.type !== 'MODIFIED' && event.type !== 'ADDED') return;
    const eventId = metadata?.annotations?.[EVENT_ID];
    if (eventId === undefined) return;
    const waiter = waiters.get(eventId);
    if (waiter === undefined) return;
    waiter.pending.delete(`${metadata?.namespace ?? ''}/${metadata?.name ?? ''}`);
    if (waiter.pending.size === 0) {
      waiters.delete(eventId);
      waiter.resolve(performance.now());
    }
  };

  const readStream = async (): Promise<void> => {
    const path = `${EXTERNAL_SECRETS_PATH}?watch=1&allowWatchBookmarks=true&resourceVersion=${resourceVersion}`;
    let buffered = '';
    for await (const chunk of await kube.stream(path, abort.signal)) {
      buffered += chunk.toString('utf8');
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim() !== '') onEvent(JSON.parse(line) as WatchEvent);
        newline = buffered.indexOf('\n');
      }
    }
  };

  // The API server ends every watch after a while; start again where the last one stopped.
  // A function, not the property: close() changes it while readStream() awaits.
  const closing = (): boolean => abort.signal.aborted;
  const loop = (async () => {
    while (!closing()) {
      try {
        await readStream();
      } catch (error: unknown) {
        // Aborting the stream is how close() ends it; anything else is a failure waiters must hear of.
        if (closing()) return;
        failure = error instanceof Error ? error : new Error(String(error));
        return;
      }
    }
  })();

  return {
    waitFor(eventId, members, timeoutMs) {
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          const waiter = waiters.get(eventId);
          waiters.delete(eventId);
          reject(
            new Error(
              `${waiter?.pending.size ?? 0} of ${members.length} ExternalSecrets not annotated with event ${eventId} after ${timeoutMs} ms${failure === undefined ? '' : ` (watch failed: ${failure.message})`}`,
            ),
          );
        }, timeoutMs);
        waiters.set(eventId, {
          pending: new Set(members.map((member) => `${member.namespace}/${member.name}`)),
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        });
      });
    },
    async close() {
      abort.abort();
      await loop;
    },
  };
}

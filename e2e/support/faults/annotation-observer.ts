import { Watch } from '@kubernetes/client-node';

import {
  EXTERNAL_SECRET_GROUP,
  EXTERNAL_SECRET_PLURAL,
  EXTERNAL_SECRET_VERSION,
} from '../../../listener/cluster/external-secret.js';
import { EVENT_ID } from '../../../listener/rotation/annotations.js';
import type { Kube } from '../kube.js';

/**
 * Every rotation stored on an ExternalSecret of one namespace, as a watcher (ESO, say) sees it: the
 * reloader/event-id of each change. Reading objects back at the end would show only the last rotation
 * of each; a watch sees every one that reached the API server.
 */
export interface AnnotationObserver {
  readonly eventIds: ReadonlySet<string>;
  /** Stops watching; throws if the watch failed at any point, since what it saw would have a gap. */
  close(): Promise<void>;
  /** Stops watching and reports nothing: for afterEach, after a failure that is already reported. */
  cancel(): void;
}

interface WatchedObject {
  readonly metadata?: {
    readonly resourceVersion?: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
}

export async function observeAnnotations(kube: Kube, namespace: string): Promise<AnnotationObserver> {
  const api = {
    group: EXTERNAL_SECRET_GROUP,
    version: EXTERNAL_SECRET_VERSION,
    plural: EXTERNAL_SECRET_PLURAL,
  };
  const path = `/apis/${api.group}/${api.version}/namespaces/${namespace}/${api.plural}`;
  const list = (await kube.custom.listNamespacedCustomObject({ ...api, namespace })) as WatchedObject;
  let resourceVersion = list.metadata?.resourceVersion ?? '';
  const eventIds = new Set<string>();
  const watch = new Watch(kube.config);
  let failure: Error | undefined;
  let closing = false;
  let controller: AbortController | undefined;

  const fail = (error: unknown): void => {
    failure ??= error instanceof Error ? error : new Error(String(error));
  };
  const onEvent = (type: string, object: WatchedObject): void => {
    if (type === 'ERROR') {
      // 410 Gone and the like: the API server could not continue from our resourceVersion.
      failure ??= new Error(`watch of ${path} reported an error: ${JSON.stringify(object)}`);
      return;
    }
    const metadata = object.metadata;
    if (metadata?.resourceVersion !== undefined) resourceVersion = metadata.resourceVersion;
    const eventId = metadata?.annotations?.[EVENT_ID];
    if ((type === 'ADDED' || type === 'MODIFIED') && eventId !== undefined) eventIds.add(eventId);
  };
  const open = async (): Promise<void> => {
    controller = await watch.watch(
      path,
      { resourceVersion, allowWatchBookmarks: true },
      (type: string, object: WatchedObject) => {
        onEvent(type, object);
      },
      (error: unknown) => {
        if (closing) return;
        if (error !== null && error !== undefined) {
          fail(error);
          return;
        }
        // The API server ends every watch after a while; carry on from the last event seen.
        if (failure === undefined) void open().catch(fail);
      },
    );
  };
  await open();

  const cancel = (): void => {
    closing = true;
    controller?.abort();
  };
  return {
    eventIds,
    cancel,
    close: async () => {
      cancel();
      if (failure !== undefined) throw new Error(`observing ${path}: ${failure.message}`, { cause: failure });
    },
  };
}

import { EXTERNAL_SECRET_KIND } from '../../listener/cluster/external-secret.js';
import type { Kube } from './kube.js';

export interface RecordedEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly reportingComponent: string;
}

/** The Kubernetes Events recorded about one ExternalSecret, as `kubectl describe` would list them. */
export async function externalSecretEvents(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<RecordedEvent[]> {
  const list = await kube.core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=${EXTERNAL_SECRET_KIND},involvedObject.name=${name}`,
  });
  return list.items.map((event) => ({
    type: event.type ?? '',
    reason: event.reason ?? '',
    message: event.message ?? '',
    reportingComponent: event.reportingComponent ?? '',
  }));
}

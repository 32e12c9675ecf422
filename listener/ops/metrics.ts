import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The listener's Prometheus metrics, on a registry of its own so tests can build as many as they like. */
export interface Metrics {
  readonly registry: Registry;
  readonly deliveries: Counter<'subscription' | 'outcome'>;
  readonly deliveryDuration: Histogram<'subscription'>;
  readonly events: Counter<'subscription' | 'type' | 'action'>;
  readonly handshakes: Counter<'subscription' | 'kind' | 'outcome'>;
  readonly annotations: Counter<'outcome'>;
  readonly ignoredAnnotations: Counter;
  readonly coalesced: Counter;
  readonly kubernetesErrors: Counter<'operation' | 'code'>;
  readonly routeConflicts: Gauge;
  readonly invalidConfigs: Gauge;
  readonly cachedExternalSecrets: Gauge;
  readonly statusWriter: Gauge;
  readonly droppedEvents: Counter;
  readonly authFailures: Counter<'subscription' | 'reason'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    deliveries: new Counter({
      name: 'reloader_deliveries_total',
      help: 'Requests answered on a subscription path (deliveries, handshakes, refusals), by outcome (acknowledged, rejected, retry, rate-limited, abandoned).',
      labelNames: ['subscription', 'outcome'],
      registers,
    }),
    deliveryDuration: new Histogram({
      name: 'reloader_delivery_duration_seconds',
      help: 'Time from a delivery arriving to its answer.',
      labelNames: ['subscription'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    events: new Counter({
      name: 'reloader_events_total',
      help: 'Events in acknowledged deliveries, by type and whether they were acted on.',
      labelNames: ['subscription', 'type', 'action'],
      registers,
    }),
    handshakes: new Counter({
      name: 'reloader_handshakes_total',
      help: 'Validation handshakes, by kind (validation-event, validation-url, cloudevents-options) and outcome.',
      labelNames: ['subscription', 'kind', 'outcome'],
      registers,
    }),
    annotations: new Counter({
      name: 'reloader_annotations_total',
      help: 'ExternalSecret annotation patches, by outcome (stored, gone, failed).',
      labelNames: ['outcome'],
      registers,
    }),
    ignoredAnnotations: new Counter({
      name: 'reloader_annotation_ignored_total',
      help: 'Annotated ExternalSecrets whose refresh policy makes ESO ignore the annotation.',
      registers,
    }),
    coalesced: new Counter({
      name: 'reloader_annotations_coalesced_total',
      help: 'Rotations that joined a patch of the same ExternalSecret not yet sent (one patch for several).',
      registers,
    }),
    kubernetesErrors: new Counter({
      name: 'reloader_kubernetes_errors_total',
      help: 'Failed Kubernetes API calls, by operation and error code.',
      labelNames: ['operation', 'code'],
      registers,
    }),
    routeConflicts: new Gauge({
      name: 'reloader_route_conflicts',
      help: 'Webhook paths claimed by more than one Config (the extra claims are not served).',
      registers,
    }),
    invalidConfigs: new Gauge({
      name: 'reloader_invalid_configs',
      help: 'Configs rejected as invalid.',
      registers,
    }),
    cachedExternalSecrets: new Gauge({
      name: 'reloader_cached_external_secrets',
      help: 'ExternalSecrets in the watch cache.',
      registers,
    }),
    statusWriter: new Gauge({
      name: 'reloader_status_writer',
      help: '1 while this replica holds the status Lease and writes Config status, else 0.',
      registers,
    }),
    droppedEvents: new Counter({
      name: 'reloader_kubernetes_events_dropped_total',
      help: 'Kubernetes Events not recorded because the recorder was saturated or the API failed.',
      registers,
    }),
    authFailures: new Counter({
      name: 'reloader_auth_failures_total',
      help: 'Deliveries refused by endpoint authentication, by reason.',
      labelNames: ['subscription', 'reason'],
      registers,
    }),
  };
}

import {
  AEG_DATA_VERSION,
  AEG_DELIVERY_COUNT,
  AEG_EVENT_TYPE,
  AEG_METADATA_VERSION,
  AEG_OUTPUT_EVENT_ID,
  AEG_SUBSCRIPTION_NAME,
  type AegEventType,
} from '../../listener/eventgrid/index.js';

export interface AegHeaderInput {
  readonly eventType: AegEventType;
  readonly subscription: string;
  readonly deliveryCount: number;
  /** Only Event Grid schema deliveries carry aeg-data-version. */
  readonly dataVersion: string | undefined;
  readonly outputEventId: string | undefined;
}

/** The aeg-* headers Event Grid puts on every request to a webhook. */
export function aegHeaders(input: AegHeaderInput): Record<string, string> {
  const headers: Record<string, string> = {
    [AEG_EVENT_TYPE]: input.eventType,
    // Every capture shows the name upper-cased, whatever case the subscription was created with.
    [AEG_SUBSCRIPTION_NAME]: input.subscription.toUpperCase(),
    [AEG_DELIVERY_COUNT]: String(input.deliveryCount),
    [AEG_METADATA_VERSION]: '1',
  };
  if (input.dataVersion !== undefined) headers[AEG_DATA_VERSION] = input.dataVersion;
  if (input.outputEventId !== undefined) headers[AEG_OUTPUT_EVENT_ID] = input.outputEventId;
  return headers;
}

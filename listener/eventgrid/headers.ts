/** Header names and content types of Event Grid webhook delivery; names are lower-case as on the wire. */
export const AEG_EVENT_TYPE = 'aeg-event-type';
export const AEG_SUBSCRIPTION_NAME = 'aeg-subscription-name';
export const AEG_DELIVERY_COUNT = 'aeg-delivery-count';
export const AEG_DATA_VERSION = 'aeg-data-version';
export const AEG_METADATA_VERSION = 'aeg-metadata-version';
export const AEG_OUTPUT_EVENT_ID = 'aeg-output-event-id';

/** Values of `aeg-event-type`. */
export const AegEventType = {
  SubscriptionValidation: 'SubscriptionValidation',
  Notification: 'Notification',
  SubscriptionDeletion: 'SubscriptionDeletion',
} as const;
export type AegEventType = (typeof AegEventType)[keyof typeof AegEventType];

export const CONTENT_TYPE_JSON = 'application/json; charset=utf-8';
export const CONTENT_TYPE_CLOUDEVENT = 'application/cloudevents+json; charset=utf-8';
export const CONTENT_TYPE_CLOUDEVENT_BATCH = 'application/cloudevents-batch+json; charset=utf-8';

/** CloudEvents HTTP webhook abuse-protection headers (OPTIONS handshake). */
export const WEBHOOK_REQUEST_ORIGIN = 'webhook-request-origin';
export const WEBHOOK_REQUEST_CALLBACK = 'webhook-request-callback';
export const WEBHOOK_REQUEST_RATE = 'webhook-request-rate';
export const WEBHOOK_ALLOWED_ORIGIN = 'webhook-allowed-origin';
export const WEBHOOK_ALLOWED_RATE = 'webhook-allowed-rate';

/** The origin Azure Event Grid announces in the CloudEvents handshake. */
export const EVENT_GRID_ORIGIN = 'eventgrid.azure.net';

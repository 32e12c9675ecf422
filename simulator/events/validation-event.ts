import {
  SUBSCRIPTION_VALIDATION_EVENT,
  subscriptionValidationEventSchema,
  type SubscriptionValidationEvent,
} from '../../listener/eventgrid/index.js';
import { formatAzureTime } from './azure-time.js';
import { selfCheck } from './self-check.js';

export interface ValidationEventInput {
  readonly id: string;
  readonly topic: string;
  readonly validationCode: string;
  /** Absent when rehearsing API versions before 2018-05-01-preview, which had no async handshake. */
  readonly validationUrl: string | undefined;
  readonly time: number;
}

/** The SubscriptionValidationEvent Azure posts (alone, in an array) before anything else. */
export function buildValidationEvent(input: ValidationEventInput): SubscriptionValidationEvent {
  return selfCheck(
    subscriptionValidationEventSchema,
    {
      id: input.id,
      topic: input.topic,
      subject: '',
      data:
        input.validationUrl === undefined
          ? { validationCode: input.validationCode }
          : { validationCode: input.validationCode, validationUrl: input.validationUrl },
      eventType: SUBSCRIPTION_VALIDATION_EVENT,
      eventTime: formatAzureTime(input.time),
      metadataVersion: '1',
      dataVersion: '1',
    },
    'subscription validation event',
  );
}

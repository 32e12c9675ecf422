import type { SubscriptionValidationEvent } from '../../listener/eventgrid/index.js';
import {
  buildValidationEvent,
  cryptoRandom,
  randomGuid,
  vaultLocation,
  vaultTopic,
} from '../../simulator/index.js';
import { VAULT } from './rotations.js';

/** A SubscriptionValidationEvent with a fresh code, and a validationUrl when one is given. */
export function validationEvent(validationUrl?: string): SubscriptionValidationEvent {
  return buildValidationEvent({
    id: randomGuid(cryptoRandom),
    topic: vaultTopic(vaultLocation(VAULT)),
    validationCode: randomGuid(cryptoRandom),
    validationUrl,
    time: Date.now(),
  });
}

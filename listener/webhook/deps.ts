import type { EndpointAuth, ExternalSecretDestination } from '../config/schema.js';
import type { Metrics } from '../ops/metrics.js';
import type { Annotator } from '../rotation/annotator.js';
import type { ExternalSecretCache } from '../rotation/external-secret-cache.js';
import type { NamespaceCache } from '../rotation/namespace-cache.js';
import type { Authenticate } from './authenticator.js';
import type { FetchValidationUrl } from './validation-url.js';

/** What every webhook route needs; built once by main.ts (or a test) and shared by all servers. */
export interface WebhookDeps {
  readonly externalSecrets: ExternalSecretCache;
  readonly namespaces: NamespaceCache;
  readonly annotator: Annotator;
  readonly metrics: Metrics;
  readonly fetchValidationUrl: FetchValidationUrl;
  /** Host patterns whose validationUrl may be fetched. */
  readonly allowedValidationHosts: readonly string[];
  /** Origins granted in the CloudEvents OPTIONS handshake (`*` grants any). */
  readonly allowedOrigins: readonly string[];
  /** Event types that trigger annotation; others are acknowledged and ignored. */
  readonly actOnEventTypes: ReadonlySet<string>;
  readonly maxEventsPerDelivery: number;
  /** Deliveries per second accepted on one subscription path; 0 turns the limit off. */
  readonly rateLimitPerSecond: number;
  /** The check for a source's endpoint authentication, built once per distinct configuration. */
  readonly authenticatorFor: (auth: EndpointAuth) => Authenticate;
  readonly now: () => Date;
}

/** One webhook path: a subscription of a Config's AzureEventGrid source. */
export interface RouteTarget {
  readonly subscription: string;
  readonly configName: string;
  readonly destinations: readonly ExternalSecretDestination[];
  readonly auth: EndpointAuth | undefined;
}

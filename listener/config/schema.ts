import { z } from 'zod';
import { labelSelectorSchema } from './label-selector.js';

export const CONFIG_GROUP = 'reloader.external-secrets.io';
export const CONFIG_VERSION = 'v1alpha1';
export const CONFIG_API_VERSION = `${CONFIG_GROUP}/${CONFIG_VERSION}`;
export const CONFIG_KIND = 'Config';
export const CONFIG_PLURAL = 'configs';

export const AZURE_EVENT_GRID = 'AzureEventGrid';
export const EXTERNAL_SECRET = 'ExternalSecret';

/** Reloader source and destination types this listener recognises but does not serve. */
export const OTHER_SOURCE_TYPES = [
  'AwsSqs',
  'GooglePubSub',
  'HashicorpVault',
  'KubernetesSecret',
  'KubernetesConfigMap',
  'TCPSocket',
  'Webhook',
  'Mock',
] as const;
export const OTHER_DESTINATION_TYPES = ['PushSecret', 'Deployment', 'WorkflowRunTemplate', 'Mock'] as const;

// Event Grid subscription names: 3–64 letters, digits and hyphens. That also keeps them path-safe.
export const subscriptionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{3,64}$/, 'must be 3–64 letters, digits or hyphens (an Event Grid subscription name)');

/** The Event Grid first-party application that requests Entra ID tokens for webhook delivery. */
export const EVENT_GRID_APP_ID = '4962773b-9cdb-44cf-a8bf-237846a00ab7';

const secretKeyRefSchema = z.object({
  namespace: z.string().min(1),
  name: z.string().min(1),
  key: z.string().min(1),
  /** A second key accepted too while the shared secret is being rotated. */
  previousKey: z.string().min(1).optional(),
});

const headerNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name')
  .transform((name) => name.toLowerCase());

/**
 * Issuer and key-set URLs. The CRD can only say `^https?://\S+$`; what it lets through and this refuses
 * (`https://[`) is stored and reported Invalid in the Config's status, never served.
 */
export const httpUrlSchema = z
  .string()
  // The CRD's pattern first, on the value as given (z.url trims before it checks).
  .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL')
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }));

/**
 * Endpoint authentication (an extension of the Reloader API; off unless given). Event Grid can send a
 * shared secret in the endpoint URL's query string or in a custom delivery header, and can obtain a
 * Microsoft Entra ID token for the webhook's application.
 */
export const endpointAuthSchema = z
  .object({
    sharedSecret: z
      .object({
        secretRef: secretKeyRefSchema,
        queryParameter: z.string().min(1).default('code'),
        header: headerNameSchema.optional(),
      })
      .optional(),
    entraId: z
      .object({
        tenantId: z.string().min(1),
        /** The application id or application id URI configured on the event subscription. */
        audience: z.string().min(1),
        eventGridAppId: z.string().min(1).default(EVENT_GRID_APP_ID),
        /** Overrides for sovereign clouds: default to the public cloud's endpoints of the tenant. */
        issuers: z.array(httpUrlSchema).min(1).optional(),
        jwksUri: httpUrlSchema.optional(),
      })
      .optional(),
  })
  .refine((auth) => auth.sharedSecret !== undefined || auth.entraId !== undefined, {
    error: 'must configure sharedSecret or entraId',
  });
export type EndpointAuth = z.infer<typeof endpointAuthSchema>;

export const azureEventGridSchema = z.object({
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(1).max(65535).default(8080),
  subscriptions: z.array(subscriptionNameSchema).min(1, 'must name at least one subscription'),
  auth: endpointAuthSchema.optional(),
});
export type AzureEventGridSource = z.infer<typeof azureEventGridSchema>;

export const externalSecretDestinationSchema = z.object({
  namespaceSelectors: z.array(labelSelectorSchema).optional(),
  labelSelectors: labelSelectorSchema.optional(),
  names: z.array(z.string().min(1)).optional(),
});
export type ExternalSecretDestination = z.infer<typeof externalSecretDestinationSchema>;

/** One entry of notificationSources; the per-type body is checked once the type is known. */
export const notificationSourceSchema = z.looseObject({
  type: z.string().min(1),
  azureEventGrid: z.unknown().optional(),
});

/** One entry of destinationsToWatch. `type` may be left out when the body's key says it (the seed does). */
export const destinationSchema = z.looseObject({
  type: z.string().min(1).optional(),
  externalSecret: z.unknown().optional(),
});

export const configSpecSchema = z.looseObject({
  notificationSources: z.array(notificationSourceSchema).min(1, 'must list at least one source'),
  destinationsToWatch: z.array(destinationSchema).min(1, 'must list at least one destination'),
});

export const configManifestSchema = z.looseObject({
  apiVersion: z.literal(CONFIG_API_VERSION),
  kind: z.literal(CONFIG_KIND),
  metadata: z.looseObject({
    name: z.string().min(1),
    generation: z.number().int().optional(),
    creationTimestamp: z.string().optional(),
    resourceVersion: z.string().optional(),
  }),
  spec: configSpecSchema,
});
export type ConfigManifest = z.infer<typeof configManifestSchema>;

import { z } from 'zod';

export const EXTERNAL_SECRET_GROUP = 'external-secrets.io';
export const EXTERNAL_SECRET_VERSION = 'v1';
export const EXTERNAL_SECRET_PLURAL = 'externalsecrets';
export const EXTERNAL_SECRET_KIND = 'ExternalSecret';

// Only the fields the listener reads; everything else of the object is ignored. Each field tolerates
// junk (catch) so that one odd ExternalSecret is indexed as far as it can be, never crashes the cache.
const remoteRefSchema = z.object({ key: z.string(), version: z.string().optional() }).partial();
const dataEntrySchema = z.object({ remoteRef: remoteRefSchema.optional() });
const dataFromEntrySchema = z.object({
  extract: remoteRefSchema.optional(),
  find: z.object({ name: z.object({ regexp: z.string().optional() }).optional() }).optional(),
});

export const externalSecretSpecSchema = z.object({
  data: z.array(dataEntrySchema.catch({})).optional().catch(undefined),
  dataFrom: z.array(dataFromEntrySchema.catch({})).optional().catch(undefined),
  refreshInterval: z.string().optional().catch(undefined),
  refreshPolicy: z.string().optional().catch(undefined),
});
export type ExternalSecretSpec = z.infer<typeof externalSecretSpecSchema>;

/** The part of an ExternalSecret the listener works with. */
export interface ExternalSecret {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: ExternalSecretSpec;
}

export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

export function refKey(ref: ObjectRef): string {
  return `${ref.namespace}/${ref.name}`;
}

const metadataSchema = z.object({
  namespace: z.string().default('default'),
  name: z.string(),
  uid: z.string().default(''),
  resourceVersion: z.string().default(''),
  labels: z.record(z.string(), z.string()).optional().catch(undefined),
  annotations: z.record(z.string(), z.string()).optional().catch(undefined),
});

/** Reads an ExternalSecret from an API object; undefined when it lacks a name. */
export function toExternalSecret(object: unknown): ExternalSecret | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const raw = object as { metadata?: unknown; spec?: unknown };
  const metadata = metadataSchema.safeParse(raw.metadata);
  if (!metadata.success) return undefined;
  const spec = externalSecretSpecSchema.safeParse(raw.spec ?? {});
  return {
    namespace: metadata.data.namespace,
    name: metadata.data.name,
    uid: metadata.data.uid,
    resourceVersion: metadata.data.resourceVersion,
    labels: metadata.data.labels ?? {},
    annotations: metadata.data.annotations ?? {},
    spec: spec.success ? spec.data : {},
  };
}

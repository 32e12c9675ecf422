import { request } from 'undici';
import { z } from 'zod';
import { formatIssues } from '../../listener/eventgrid/index.js';

/** An ExternalSecret as the expectations look at it. */
export interface ExternalSecretView {
  readonly namespace: string;
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A Kubernetes Event the listener recorded (warnings about stale-refresh ExternalSecrets, failures). */
export interface ClusterEventView {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly regarding: string;
}

/** What the default run reads back from the cluster the listener annotated. */
export interface ClusterView {
  externalSecrets(): Promise<ExternalSecretView[]>;
  events(): Promise<ClusterEventView[]>;
}

const externalSecretSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string(),
    annotations: z.record(z.string(), z.string()).nullish(),
  }),
});

const debugClusterSchema = z.looseObject({
  externalSecrets: z.array(externalSecretSchema),
  events: z
    .array(
      z.looseObject({
        type: z.string().optional(),
        reason: z.string().optional(),
        message: z.string().optional(),
        regarding: z
          .looseObject({ namespace: z.string().optional(), name: z.string().optional() })
          .optional(),
      }),
    )
    .default([]),
});

export function toExternalSecretView(object: z.infer<typeof externalSecretSchema>): ExternalSecretView {
  return {
    namespace: object.metadata.namespace,
    name: object.metadata.name,
    annotations: object.metadata.annotations ?? {},
  };
}

export { externalSecretSchema };

/** The listener's `GET /debug/cluster` on its admin port (in --memory-cluster mode). */
export function createDebugClusterView(adminUrl: string): ClusterView {
  const read = async (): Promise<z.infer<typeof debugClusterSchema>> => {
    const response = await request(new URL('/debug/cluster', adminUrl));
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      throw new Error(`GET /debug/cluster answered ${response.statusCode}: ${text.slice(0, 200)}`);
    }
    const parsed = debugClusterSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`GET /debug/cluster: ${formatIssues(parsed.error)}`);
    return parsed.data;
  };
  return {
    async externalSecrets() {
      return (await read()).externalSecrets.map(toExternalSecretView);
    },
    async events() {
      return (await read()).events.map((event) => ({
        type: event.type ?? '',
        reason: event.reason ?? '',
        message: event.message ?? '',
        regarding: `${event.regarding?.namespace ?? ''}/${event.regarding?.name ?? ''}`,
      }));
    },
  };
}
